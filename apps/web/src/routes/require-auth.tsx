import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router-dom';
import type { UserRead } from '@gatehouse/shared';
import { useCurrentUser } from '../api/hooks';
import { loginPathFor } from '../features/auth/return-to';
import { PendingActivationPage } from '../features/auth/pending-activation-page';
import { SignedInUserProvider } from '../features/auth/signed-in-user';
import { ErrorAlert, Loading } from '../ui/messages';

/** Administrators are never held back, so an instance cannot lock out its own admins. */
export function isApproved(user: UserRead): boolean {
  return user.is_verified || user.is_superuser;
}

const PENDING_RECHECK_MS = 15_000;

/**
 * Guards the signed-in pages: a 401 from /users/me (user is null) sends the user to /login and
 * back here afterwards; an account not yet approved sees the pending page, rechecked every 15 s.
 */
export function RequireAuth({ children }: { children: ReactNode }) {
  const currentUser = useCurrentUser({
    refetchInterval: (query) => (query.state.data && !isApproved(query.state.data) ? PENDING_RECHECK_MS : false),
  });
  const location = useLocation();

  if (currentUser.data && !isApproved(currentUser.data)) {
    return <PendingActivationPage user={currentUser.data} />;
  }
  if (currentUser.data) {
    return <SignedInUserProvider user={currentUser.data}>{children}</SignedInUserProvider>;
  }
  if (currentUser.data === null) {
    const here = location.pathname + location.search + location.hash;
    return <Navigate to={loginPathFor(here)} replace />;
  }
  if (currentUser.isError) {
    return (
      <div className="narrow stack">
        <ErrorAlert error={currentUser.error} />
        <button type="button" className="button" onClick={() => void currentUser.refetch()}>
          Try again
        </button>
      </div>
    );
  }
  return <Loading />;
}
