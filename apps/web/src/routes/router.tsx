import { lazy, Suspense, type ReactElement } from 'react';
import { Route, Routes } from 'react-router-dom';
import { RegisterPage } from '../features/auth/register-page';
import { ResetPasswordPage } from '../features/auth/reset-password-page';
import { ForgotPasswordPage } from '../features/auth/forgot-password-page';
import { LoginPage } from '../features/auth/login-page';
import { Loading } from '../ui/messages';
import { AppLayout } from './app-layout';
import { NotFoundPage } from './not-found-page';
import { RequireAuth } from './require-auth';

// The signed-in pages' code loads when first visited, which keeps the sign-in page's JavaScript
// small (see scripts/bundle-size.mjs): someone signing in downloads only what that page needs.
const AccountPage = lazy(async () => ({
  default: (await import('../features/account/account-page')).AccountPage,
}));
const AdminUsersPage = lazy(async () => ({
  default: (await import('../features/admin-users/admin-users-page')).AdminUsersPage,
}));
const VerifyEmailPage = lazy(async () => ({
  default: (await import('../features/email-proof/verify-email-page')).VerifyEmailPage,
}));
const ActivityPage = lazy(async () => ({
  default: (await import('../features/activity/activity-page')).ActivityPage,
}));

/** A page for signed-in people only, its code loaded on the first visit. */
function signedIn(page: ReactElement) {
  return (
    <RequireAuth>
      <Suspense fallback={<Loading />}>{page}</Suspense>
    </RequireAuth>
  );
}

/** Every page of the app. */
export function AppRoutes() {
  return (
    <AppLayout>
      <Routes>
        <Route path="/login" element={<LoginPage />} />
        <Route path="/register" element={<RegisterPage />} />
        <Route path="/reset-password" element={<ResetPasswordPage />} />
        <Route path="/forgot-password" element={<ForgotPasswordPage />} />
        <Route
          path="/verify-email"
          element={
            <Suspense fallback={<Loading />}>
              <VerifyEmailPage />
            </Suspense>
          }
        />
        <Route path="/" element={signedIn(<AccountPage />)} />
        <Route path="/admin/users" element={signedIn(<AdminUsersPage />)} />
        <Route path="/admin/activity" element={signedIn(<ActivityPage />)} />
        <Route path="*" element={<NotFoundPage />} />
      </Routes>
    </AppLayout>
  );
}
