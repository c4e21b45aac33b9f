import type { UserRead } from '@gatehouse/shared';
import { ErrorAlert } from '../../ui/messages';
import { useSendVerifyLink } from './use-send-verify-link';

/** "Confirm your email": shown on every page while the signed-in person's address is unproven. */
export function ConfirmEmailBanner({ user }: { user: UserRead }) {
  const sendLink = useSendVerifyLink();
  return (
    <div className="banner stack" role="region" aria-label="Confirm your email">
      <p>
        Confirm your email address {user.email}: until you do, it is not proven to be yours, and signing in through an identity provider cannot be
        linked to this account.
      </p>
      <ErrorAlert error={sendLink.error} />
      {sendLink.isSuccess ? (
        <p role="status">We sent a link to {user.email}. Open it to confirm the address; check your spam folder if it does not arrive.</p>
      ) : (
        <p>
          <button
            type="button"
            className="button button-small"
            disabled={sendLink.isPending}
            aria-busy={sendLink.isPending}
            onClick={() => sendLink.mutate(user.email)}
          >
            Send confirmation link
          </button>
        </p>
      )}
    </div>
  );
}
