import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router-dom';
import { useApi } from '../../api/api-context';
import { queryKeys } from '../../api/query-keys';
import { ErrorAlert, StatusMessage } from '../../ui/messages';
import { useDocumentTitle } from '../../ui/use-document-title';

/**
 * Target of the emailed confirmation link (/verify-email?token=…). Confirming takes a click rather
 * than happening on load: mail scanners that open links must not use the one-time token up.
 */
export function VerifyEmailPage() {
  useDocumentTitle('Confirm email');
  const api = useApi();
  const queryClient = useQueryClient();
  const [searchParams] = useSearchParams();
  const token = searchParams.get('token') ?? '';
  const verify = useMutation({
    mutationFn: () => api.call('verifyEmail', { body: { token } }),
    onSuccess: (user) => {
      // This browser may be signed in to the account: show its new state at once.
      queryClient.setQueryData(queryKeys.me, (current: unknown) =>
        current && typeof current === 'object' && (current as { id?: unknown }).id === user.id ? user : current,
      );
      return queryClient.invalidateQueries({ queryKey: queryKeys.me });
    },
  });

  return (
    <div className="narrow">
      <h1>Confirm email</h1>
      {token === '' ? (
        <ErrorAlert error="This link is incomplete: it has no token. Open the full link from the email, or ask for a new one." />
      ) : verify.isSuccess ? (
        <StatusMessage>
          Your email address {verify.data.email} is confirmed. <Link to="/">Go to your account</Link>
        </StatusMessage>
      ) : (
        <div className="stack">
          <p>Confirm that this email address is yours. The link works once.</p>
          <ErrorAlert error={verify.error} />
          <p>
            <button type="button" className="button" disabled={verify.isPending} aria-busy={verify.isPending} onClick={() => verify.mutate()}>
              Confirm my email address
            </button>
          </p>
        </div>
      )}
    </div>
  );
}
