import { Navigate, Outlet, useLocation } from 'react-router-dom';
import { useCurrentUser } from '../api/hooks';
import { loginPathFor } from '../features/auth/return-to';
import { SignedInUserProvider } from '../features/auth/signed-in-user';
import { ErrorAlert, Loading } from '../ui/messages';

/** Guards the signed-in pages: a 401 from /users/me (user is null) sends the user to /login. */
export function RequireAuth() {
  const currentUser = useCurrentUser();
  const location = useLocation();

  if (currentUser.data) {
    return (
      <SignedInUserProvider user={currentUser.data}>
        <Outlet />
      </SignedInUserProvider>
    );
  }
  if (currentUser.data === null) {
    return <Navigate to={loginPathFor(location.pathname + location.search + location.hash)} replace />;
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
