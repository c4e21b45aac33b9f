import { useState, type FormEvent } from 'react';
import { useMutation } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import type { RegisterRequest } from '@gatehouse/shared';
import { ApiError } from '../../api/api-error';
import { useApi } from '../../api/api-context';
import { useAuthMetadata } from '../../api/hooks';
import { readField } from '../../ui/form-data';
import { ErrorAlert, Loading, StatusMessage } from '../../ui/messages';
import { EmailField, TextField } from '../../ui/text-field';
import { useDocumentTitle } from '../../ui/use-document-title';
import { findPasswordProblem, NEW_PASSWORD_HINT } from './password-check';

export function RegisterPage() {
  useDocumentTitle('Create account');
  const api = useApi();
  const metadata = useAuthMetadata();
  const [passwordProblem, setPasswordProblem] = useState<string>();

  const register = useMutation({
    mutationFn: (body: RegisterRequest) => api.call('register', { body }),
  });

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const password = readField(form, 'password', { trim: false });
    const problem = findPasswordProblem(password);
    setPasswordProblem(problem);
    if (problem) return;
    const displayName = readField(form, 'display_name');
    register.mutate({
      email: readField(form, 'email'),
      password,
      ...(displayName ? { display_name: displayName } : {}),
    });
  }

  if (register.isSuccess) {
    return (
      <div className="narrow">
        <h1>Account created</h1>
        <StatusMessage>Account created. Your account is waiting for an administrator to approve it; you can use it once they have.</StatusMessage>
        <p>
          <Link className="button" to="/login">
            Go to sign in
          </Link>
        </p>
      </div>
    );
  }

  const fieldError = (field: string) => (register.error instanceof ApiError ? register.error.messageForField(field) : undefined);

  return (
    <div className="narrow">
      <h1>Create account</h1>
      {metadata.isPending && <Loading />}
      <ErrorAlert error={metadata.error} />
      {metadata.data?.registration_enabled === false ? (
        <p>Registration is turned off on this server. Ask an administrator to create an account for you.</p>
      ) : (
        metadata.data && (
          <form className="stack" onSubmit={handleSubmit} noValidate>
            <ErrorAlert error={register.error} />
            <EmailField error={fieldError('email')} />
            <TextField
              id="display-name"
              name="display_name"
              label="Display name"
              hint="Optional. How you are shown to others."
              autoComplete="name"
              maxLength={100}
              error={fieldError('display_name')}
            />
            <TextField
              id="password"
              name="password"
              type="password"
              label="Password"
              hint={NEW_PASSWORD_HINT}
              autoComplete="new-password"
              required
              error={passwordProblem ?? fieldError('password')}
            />
            <button type="submit" className="button" disabled={register.isPending} aria-busy={register.isPending}>
              Create account
            </button>
          </form>
        )
      )}
      <p className="aside">
        Already have an account? <Link to="/login">Sign in</Link>
      </p>
    </div>
  );
}
