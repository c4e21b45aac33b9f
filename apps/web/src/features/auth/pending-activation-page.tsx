import type { UserRead } from '@gatehouse/shared';
import { useDocumentTitle } from '../../ui/use-document-title';

/**
 * What a signed-in account sees until an administrator verifies it (self-registered accounts
 * start unverified, as in MediaManager). The route guard keeps checking, so the page moves on by
 * itself once the account is approved.
 */
export function PendingActivationPage({ user }: { user: UserRead }) {
  useDocumentTitle('Waiting for approval');
  return (
    <div className="narrow stack">
      <h1>Waiting for approval</h1>
      <p>
        You are signed in as <strong>{user.email}</strong>, but an administrator has not approved your account yet.
      </p>
      <p>You will be able to use it as soon as they have. This page checks by itself; there is no need to sign in again.</p>
    </div>
  );
}
