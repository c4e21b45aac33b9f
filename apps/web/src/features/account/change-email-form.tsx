import type { FormEvent } from 'react';
import type { UserRead } from '@gatehouse/shared';
import { ApiError } from '../../api/api-error';
import { readField } from '../../ui/form-data';
import { ErrorAlert, StatusMessage } from '../../ui/messages';
import { TextField } from '../../ui/text-field';
import { useUpdateMe } from './use-update-me';
import { PendingEmailChange } from '../email-proof/pending-email-change';

export function ChangeEmailForm({ user }: { user: UserRead }) {
  const updateMe = useUpdateMe();
  const fieldError = (field: string) => (updateMe.error instanceof ApiError ? updateMe.error.messageForField(field) : undefined);

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    updateMe.mutate(
      { email: readField(form, 'email'), current_password: readField(form, 'current_password', { trim: false }) },
      { onSuccess: () => formElement.reset() },
    );
  }

  return (
    <section className="card" aria-labelledby="change-email-heading">
      <h2 id="change-email-heading">Change email</h2>
      {user.has_password ? (
        <form className="stack" onSubmit={handleSubmit} noValidate>
          <ErrorAlert error={updateMe.error} />
          {updateMe.isSuccess && <StatusMessage>{describeChange(updateMe.data)}</StatusMessage>}
          {user.pending_email !== null && <PendingEmailChange user={{ ...user, pending_email: user.pending_email }} />}
          <TextField
            id="new-email"
            name="email"
            type="email"
            label="New email"
            autoComplete="email"
            inputMode="email"
            autoCapitalize="none"
            spellCheck={false}
            required
            error={fieldError('email')}
          />
          <TextField
            id="email-current-password"
            name="current_password"
            type="password"
            label="Current password"
            hint="Needed to confirm it is you."
            autoComplete="current-password"
            required
            error={fieldError('current_password')}
          />
          <button type="submit" className="button" disabled={updateMe.isPending} aria-busy={updateMe.isPending}>
            Change email
          </button>
        </form>
      ) : (
        <p>Your account signs in through an identity provider and has no password here, so only an administrator can change its email address.</p>
      )}
    </section>
  );
}

/** What a successful change did: with email configured it waits for the new address to confirm. */
export function describeChange(user: UserRead): string {
  if (user.pending_email !== null) {
    return `We sent a link to ${user.pending_email}. Your email changes once you open it; until then it stays ${user.email}.`;
  }
  return user.email_verified_at === null
    ? `Your email address is now ${user.email}. It is not confirmed yet.`
    : `Your email address is now ${user.email}.`;
}
