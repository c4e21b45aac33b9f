import { useState, type FormEvent } from 'react';
import type { UserRead } from '@gatehouse/shared';
import { ApiError } from '../../api/api-error';
import { readField } from '../../ui/form-data';
import { ErrorAlert, StatusMessage } from '../../ui/messages';
import { TextField } from '../../ui/text-field';
import { findPasswordProblem, NEW_PASSWORD_HINT } from '../auth/password-check';
import { useUpdateMe } from './use-update-me';

export function ChangePasswordForm({ user }: { user: UserRead }) {
  const updateMe = useUpdateMe();
  const [passwordProblem, setPasswordProblem] = useState<string>();
  const fieldError = (field: string) => (updateMe.error instanceof ApiError ? updateMe.error.messageForField(field) : undefined);

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const password = readField(form, 'password', { trim: false });
    const problem = findPasswordProblem(password);
    setPasswordProblem(problem);
    if (problem) {
      updateMe.reset();
      return;
    }
    updateMe.mutate({ password, current_password: readField(form, 'current_password', { trim: false }) }, { onSuccess: () => formElement.reset() });
  }

  return (
    <section className="card" aria-labelledby="change-password-heading">
      <h2 id="change-password-heading">Change password</h2>
      {user.has_password ? (
        <form className="stack" onSubmit={handleSubmit} noValidate>
          <ErrorAlert error={updateMe.error} />
          {updateMe.isSuccess && <StatusMessage>Password changed.</StatusMessage>}
          <TextField
            id="password-current-password"
            name="current_password"
            type="password"
            label="Current password"
            autoComplete="current-password"
            required
            error={fieldError('current_password')}
          />
          <TextField
            id="new-password"
            name="password"
            type="password"
            label="New password"
            hint={NEW_PASSWORD_HINT}
            autoComplete="new-password"
            required
            error={passwordProblem ?? fieldError('password')}
          />
          <button type="submit" className="button" disabled={updateMe.isPending} aria-busy={updateMe.isPending}>
            Change password
          </button>
        </form>
      ) : (
        <p>Your account signs in through an identity provider and has no password here. An administrator can give it one.</p>
      )}
    </section>
  );
}
