import { useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router-dom';
import type { ResetPasswordRequest } from '@gatehouse/shared';
import { ApiError } from '../../api/api-error';
import { useApi } from '../../api/api-context';
import { queryKeys } from '../../api/query-keys';
import { readField } from '../../ui/form-data';
import { ErrorAlert, StatusMessage } from '../../ui/messages';
import { TextField } from '../../ui/text-field';
import { useDocumentTitle } from '../../ui/use-document-title';
import { findPasswordProblem, NEW_PASSWORD_HINT } from './password-check';

/** Target of the first-start setup link, admin-made setup links and emailed reset links. */
export function ResetPasswordPage() {
  useDocumentTitle('Set password');
  const api = useApi();
  const queryClient = useQueryClient();
  const [searchParams] = useSearchParams();
  const token = searchParams.get('token') ?? '';
  const [passwordProblem, setPasswordProblem] = useState<string>();

  const resetPassword = useMutation({
    mutationFn: (body: ResetPasswordRequest) => api.call('resetPassword', { body }),
    // Setting a password ends that user's sessions, which may include this browser's.
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.me }),
  });

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const password = readField(new FormData(event.currentTarget), 'password', { trim: false });
    const problem = findPasswordProblem(password);
    setPasswordProblem(problem);
    if (!problem) resetPassword.mutate({ token, password });
  }

  if (resetPassword.isSuccess) {
    return (
      <div className="narrow">
        <h1>Set password</h1>
        <StatusMessage>
          Password set — <Link to="/login">sign in</Link>
        </StatusMessage>
      </div>
    );
  }

  const serverFieldError = resetPassword.error instanceof ApiError ? resetPassword.error.messageForField('password') : undefined;

  return (
    <div className="narrow">
      <h1>Set password</h1>
      {token === '' ? (
        <ErrorAlert error="This link is incomplete: it has no token. Open the full link you were given, or ask an administrator for a new one." />
      ) : (
        <form className="stack" onSubmit={handleSubmit} noValidate>
          <p>Choose a new password for your account. The link works once.</p>
          <ErrorAlert error={resetPassword.error} />
          <TextField
            id="new-password"
            name="password"
            type="password"
            label="New password"
            hint={NEW_PASSWORD_HINT}
            autoComplete="new-password"
            required
            error={passwordProblem ?? serverFieldError}
          />
          <button type="submit" className="button" disabled={resetPassword.isPending} aria-busy={resetPassword.isPending}>
            Set password
          </button>
        </form>
      )}
    </div>
  );
}
