import { Link, NavLink, Outlet } from 'react-router-dom';
import { useCurrentUser } from '../api/hooks';
import { useSignOut } from '../features/auth/use-sign-out';
import { ErrorAlert } from '../ui/messages';

export function AppLayout() {
  const { data: user } = useCurrentUser();
  const signOut = useSignOut();
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <div className="site-header-inner">
          <Link to="/" className="brand">
            Gatehouse
          </Link>
          {user && (
            <nav aria-label="Main">
              <ul className="nav-list">
                <li>
                  <NavLink to="/" end>
                    Account
                  </NavLink>
                </li>
                {user.is_superuser && (
                  <li>
                    <NavLink to="/admin/users">Users</NavLink>
                  </li>
                )}
                {user.is_superuser && (
                  <li>
                    <NavLink to="/admin/activity">Activity</NavLink>
                  </li>
                )}
                <li>
                  <button
                    type="button"
                    className="button button-secondary button-small"
                    disabled={signOut.isPending}
                    aria-busy={signOut.isPending}
                    onClick={() => signOut.mutate()}
                  >
                    Sign out
                  </button>
                </li>
              </ul>
            </nav>
          )}
        </div>
      </header>
      <main id="main" className="site-main" tabIndex={-1}>
        <ErrorAlert error={signOut.error} />
        <Outlet />
      </main>
    </>
  );
}
