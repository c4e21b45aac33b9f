import type { FormEvent } from 'react';
import { useMutation } from '@tanstack/react-query';
import { ErrorCode, type LinkedAccountRead, type UserRead } from '@gatehouse/shared';
import { useApi } from '../../api/api-context';
import { ApiError } from '../../api/api-error';
import { readField } from '../../ui/form-data';
import { ErrorAlert } from '../../ui/messages';
import { TextField } from '../../ui/text-field';

/** True when the server wants a fresh proof of the session's owner before a sensitive change. */
export function needsReauthentication(error: unknown): boolean {
  return error instanceof ApiError && error.code === ErrorCode.REAUTHENTICATION_REQUIRED;
}

/**
 * Shown when a sensitive change (linking or unlinking a provider) answered
 * REAUTHENTICATION_REQUIRED: the person proves it is them again, with the password (then
 * `onConfirmed` repeats what they asked for) or by signing in afresh at a provider linked to the
 * account (the whole page goes there and comes back here; they ask again).
 */
export function ReauthenticatePrompt({
  user,
  links,
  onConfirmed,
  onCancel,
}: {
  user: UserRead;
  links: readonly LinkedAccountRead[];
  onConfirmed: () => void;
  onCancel: () => void;
}) {
  const api = useApi();
  const withPassword = useMutation({
    mutationFn: (currentPassword: string) => api.call('reauthenticateMe', { body: { current_password: currentPassword } }),
    onSuccess: onConfirmed,
  });
  const withProvider = useMutation({
    mutationFn: (provider: string) => api.call('reauthenticateMe', { body: { provider, returnTo: '/' } }),
    onSuccess: (result) => {
      if (result.authorization_url !== null) window.location.assign(result.authorization_url);
    },
  });
  const isBusy = withPassword.isPending || withProvider.isPending;
  const passwordError = withPassword.error instanceof ApiError ? withPassword.error.messageForField('current_password') : undefined;

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    withProvider.reset();
    withPassword.mutate(readField(new FormData(event.currentTarget), 'current_password', { trim: false }));
  }

  return (
    <div className="reauthenticate stack" role="group" aria-labelledby="reauthenticate-heading">
      <h3 id="reauthenticate-heading">Confirm it is you</h3>
      <p>This change needs a recent sign-in. Confirm it is you to go on.</p>
      <ErrorAlert error={passwordError ? undefined : (withPassword.error ?? withProvider.error)} />
      {user.has_password && (
        <form className="stack" onSubmit={handleSubmit} noValidate>
          <TextField
            id="reauthenticate-password"
            name="current_password"
            type="password"
            label="Current password"
            autoComplete="current-password"
            required
            error={passwordError}
          />
          <button type="submit" className="button" disabled={isBusy} aria-busy={withPassword.isPending}>
            Confirm
          </button>
        </form>
      )}
      <div className="button-row">
        {links.map((link) => (
          <button
            key={link.id}
            type="button"
            className="button button-secondary"
            disabled={isBusy}
            aria-busy={withProvider.isPending && withProvider.variables === link.provider}
            onClick={() => {
              withPassword.reset();
              withProvider.mutate(link.provider);
            }}
          >
            Sign in again with {link.provider}
          </button>
        ))}
        <button type="button" className="button button-secondary" disabled={isBusy} onClick={onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}
