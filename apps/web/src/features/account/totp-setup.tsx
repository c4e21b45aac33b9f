import { Suspense, useState, type FormEvent } from 'react';
import { useMutation } from '@tanstack/react-query';
import type { LinkedAccountRead, UserRead } from '@gatehouse/shared';
import { useApi } from '../../api/api-context';
import { ApiError } from '../../api/api-error';
import { readField } from '../../ui/form-data';
import { ErrorAlert, Loading } from '../../ui/messages';
import { TextField } from '../../ui/text-field';
import { AuthenticatorCodeField, findCodeProblem } from '../auth/authenticator-code-field';
import { QrCode } from './qr-code';
import { needsReauthentication, ReauthenticatePrompt } from './reauthenticate-prompt';

/** A base32 secret in groups of four, easier to type into an app (which ignores the spaces). */
export function groupSecret(secret: string): string {
  return secret.replace(/(.{4})(?=.)/g, '$1 ');
}

/**
 * Setting up an authenticator app: a new secret from the server (which needs a recent sign-in:
 * the person may have to confirm it is them first), shown as a QR code and as a key to type, then
 * a code from the app to prove it works. Only then is it on, and the server answers with the
 * recovery codes, handed to `onConfirmed` for the caller to show.
 */
export function TotpSetup({
  user,
  links,
  onConfirmed,
}: {
  user: UserRead;
  /** Providers the person can confirm it is them with (none where the server will not list them). */
  links: readonly LinkedAccountRead[];
  onConfirmed: (recoveryCodes: string[]) => void;
}) {
  const api = useApi();
  const [codeProblem, setCodeProblem] = useState<string | null>(null);
  const start = useMutation({ mutationFn: () => api.call('startTotp') });
  const confirm = useMutation({
    mutationFn: (code: string) => api.call('confirmTotp', { body: { code } }),
    onSuccess: (result) => onConfirmed(result.recovery_codes),
  });

  function handleConfirm(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const input = event.currentTarget.elements.namedItem('code') as HTMLInputElement;
    const code = readField(new FormData(event.currentTarget), 'code');
    const problem = findCodeProblem(code);
    setCodeProblem(problem);
    if (problem) {
      confirm.reset();
      return;
    }
    confirm.mutate(code, { onError: () => input.select() });
  }

  function cancel() {
    start.reset();
    confirm.reset();
    setCodeProblem(null);
  }

  if (needsReauthentication(start.error)) {
    return <ReauthenticatePrompt user={user} links={links} onConfirmed={() => start.mutate()} onCancel={cancel} />;
  }
  if (!start.data) {
    return (
      <div className="stack">
        <ErrorAlert error={start.error} />
        <p>
          <button type="button" className="button" disabled={start.isPending} aria-busy={start.isPending} onClick={() => start.mutate()}>
            Set up authenticator app
          </button>
        </p>
      </div>
    );
  }

  const fieldError = codeProblem ?? (confirm.error instanceof ApiError ? confirm.error.messageForField('code') : undefined);
  return (
    <ol className="setup-steps">
      <li className="stack">
        <p>
          Scan this QR code with your authenticator app (for example Aegis, Google Authenticator, Microsoft Authenticator or your password manager).
        </p>
        <Suspense fallback={<Loading label="Drawing the QR code…" />}>
          <QrCode value={start.data.otpauth_url} label="QR code to scan with your authenticator app" />
        </Suspense>
        <TextField
          id="totp-secret"
          name="secret"
          label="Setup key"
          hint="Cannot scan? Add a time-based account in the app and type this key instead."
          readOnly
          value={groupSecret(start.data.secret)}
          autoComplete="off"
          spellCheck={false}
          className="setup-key"
          onFocus={(event) => event.currentTarget.select()}
        />
      </li>
      <li>
        <form className="stack" onSubmit={handleConfirm} noValidate>
          <p>Then enter the code the app shows, to check that it works.</p>
          <ErrorAlert error={fieldError ? undefined : confirm.error} />
          <AuthenticatorCodeField id="totp-confirm-code" error={fieldError} />
          <div className="button-row">
            <button type="submit" className="button" disabled={confirm.isPending} aria-busy={confirm.isPending}>
              Turn on two-step sign-in
            </button>
            <button type="button" className="button button-secondary" disabled={confirm.isPending} onClick={cancel}>
              Cancel
            </button>
          </div>
        </form>
      </li>
    </ol>
  );
}
