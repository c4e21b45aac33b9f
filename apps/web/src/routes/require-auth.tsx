import { lazy, Suspense, type ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router-dom';
import type { UserRead } from '@gatehouse/shared';
import { useCurrentUser, useSecondFactorStatus } from '../api/hooks';
import { loginPathFor } from '../features/auth/return-to';
import { PendingActivationPage } from '../features/auth/pending-activation-page';
import { SignedInUserProvider } from '../features/auth/signed-in-user';
import { ErrorAlert, Loading } from '../ui/messages';

/** Administrators are never held back, so an instance cannot lock out its own admins. */
export function isApproved(user: UserRead): boolean {
  return user.is_verified || user.is_superuser;
}

const PENDING_RECHECK_MS = 15_000;

// Only for a session the server holds back until it adds a second factor: not the sign-in page's code.
const SecondFactorEnrolmentPage = lazy(async () => ({
  default: (await import('../features/auth/second-factor-enrolment-page')).SecondFactorEnrolmentPage,
}));

/**
 * Guards the signed-in pages: a 401 from /users/me (user is null) sends the user to /login and
 * back here afterwards; an account not yet approved sees the pending page, rechecked every 15 s; a
 * session that must add a second factor first ([auth] second_factor) sees only the page that sets
 * one up, until it has (or until a 403 SECOND_FACTOR_ENROLMENT_REQUIRED says so, see query-client).
 */
export function RequireAuth({ children }: { children: ReactNode }) {
  const currentUser = useCurrentUser({
    refetchInterval: (query) => (query.state.data && !isApproved(query.state.data) ? PENDING_RECHECK_MS : false),
  });
  const user = currentUser.data;
  // Asked again only when something changes it, never behind the enrolment page's back (which
  // shows the new recovery codes before it lets the person in).
  const secondFactor = useSecondFactorStatus(Boolean(user && isApproved(user)));
  const location = useLocation();

  if (user && !isApproved(user)) {
    return <PendingActivationPage user={user} />;
  }
  if (user && secondFactor.data?.enrolment_required) {
    return (
      <Suspense fallback={<Loading />}>
        <SecondFactorEnrolmentPage user={user} />
      </Suspense>
    );
  }
  if (user && secondFactor.data) {
    return <SignedInUserProvider user={user}>{children}</SignedInUserProvider>;
  }
  if (user === null) {
    const here = location.pathname + location.search + location.hash;
    return <Navigate to={loginPathFor(here)} replace />;
  }
  const failed = currentUser.isError ? currentUser : secondFactor.isError ? secondFactor : null;
  if (failed) {
    return (
      <div className="narrow stack">
        <ErrorAlert error={failed.error} />
        <button type="button" className="button" onClick={() => void failed.refetch()}>
          Try again
        </button>
      </div>
    );
  }
  return <Loading />;
}
