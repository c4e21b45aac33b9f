import type { UserRead } from '@gatehouse/shared';
import { ErrorAlert } from '../../ui/messages';
import { useSendVerifyLink } from './use-send-verify-link';

/** On the account page: a self-service email change waiting for the new address to confirm. */
export function PendingEmailChange({ user }: { user: UserRead & { pending_email: string } }) {
  const resend = useSendVerifyLink();
  return (
    <div className="alert alert-info stack" role="region" aria-label="Pending email change">
      <p>
        Waiting for confirmation at {user.pending_email}. Your email stays {user.email} until the link sent there is opened. To cancel the change,
        change your email back to {user.email} below.
      </p>
      <ErrorAlert error={resend.error} />
      {resend.isSuccess ? (
        <p role="status">We sent the link to {user.pending_email} again.</p>
      ) : (
        <p>
          <button
            type="button"
            className="button button-secondary button-small"
            disabled={resend.isPending}
            aria-busy={resend.isPending}
            onClick={() => resend.mutate(user.email)}
          >
            Resend link
          </button>
        </p>
      )}
    </div>
  );
}
