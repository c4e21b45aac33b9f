import { lazy, Suspense, type ReactNode } from 'react';
import { Link, useLocation } from 'react-router-dom';
import { useCurrentUser } from '../api/hooks';
import { useSignOut } from '../features/auth/use-sign-out';
import { ErrorAlert } from '../ui/messages';

// Loaded only for a signed-in person whose address is unproven: not part of the sign-in page's code.
const ConfirmEmailBanner = lazy(async () => ({
  default: (await import('../features/email-proof/confirm-email-banner')).ConfirmEmailBanner,
}));

export function AppLayout({ children }: { children: ReactNode }) {
  const { pathname: path } = useLocation();
  const currentPage = (href: string) => (path === href ? 'page' : undefined);
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
                  <Link to="/" aria-current={currentPage('/')}>
                    Account
                  </Link>
                </li>
                {user.is_superuser && (
                  <li>
                    <Link to="/admin/users" aria-current={currentPage('/admin/users')}>
                      Users
                    </Link>
                  </li>
                )}
                {user.is_superuser && (
                  <li>
                    <Link to="/admin/activity" aria-current={currentPage('/admin/activity')}>
                      Activity
                    </Link>
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
        {user && user.email_verified_at === null && (
          <Suspense fallback={null}>
            <ConfirmEmailBanner user={user} />
          </Suspense>
        )}
        {children}
      </main>
    </>
  );
}
