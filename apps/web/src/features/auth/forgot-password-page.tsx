import type { FormEvent } from 'react';
import { useMutation } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import type { ForgotPasswordRequest } from '@gatehouse/shared';
import { ApiError } from '../../api/api-error';
import { useApi } from '../../api/api-context';
import { useAuthMetadata } from '../../api/hooks';
import { readField } from '../../ui/form-data';
import { ErrorAlert, Loading, StatusMessage } from '../../ui/messages';
import { EmailField } from '../../ui/text-field';
import { useDocumentTitle } from '../../ui/use-document-title';

/** Asks for a reset link by email. The answer is the same whether or not the account exists. */
export function ForgotPasswordPage() {
  useDocumentTitle('Forgot password');
  const api = useApi();
  const metadata = useAuthMetadata();
  const request = useMutation({
    mutationFn: (body: ForgotPasswordRequest) => api.call('forgotPassword', { body }),
  });

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    request.mutate({ email: readField(new FormData(event.currentTarget), 'email') });
  }

  if (request.isSuccess) {
    return (
      <div className="narrow">
        <h1>Check your email</h1>
        <StatusMessage>{request.data.message}</StatusMessage>
        <p>
          <Link to="/login">Back to sign in</Link>
        </p>
      </div>
    );
  }

  return (
    <div className="narrow">
      <h1>Forgot password</h1>
      {metadata.isPending && <Loading />}
      <ErrorAlert error={metadata.error} />
      {metadata.data?.email_password_resets === false ? (
        <p>
          Password resets by email are turned off on this server. Ask an administrator to send you a link to set a new password.{' '}
          <Link to="/login">Back to sign in</Link>
        </p>
      ) : (
        metadata.data && (
          <form className="stack" onSubmit={handleSubmit} noValidate>
            <p>Enter the email address of your account and we will send you a link to choose a new password.</p>
            <ErrorAlert error={request.error} />
            <EmailField error={request.error instanceof ApiError ? request.error.messageForField('email') : undefined} />
            <button type="submit" className="button" disabled={request.isPending} aria-busy={request.isPending}>
              Send reset link
            </button>
            <p className="aside">
              <Link to="/login">Back to sign in</Link>
            </p>
          </form>
        )
      )}
    </div>
  );
}
