import { lazy, Suspense, type ReactElement } from 'react';
import { Route, Routes } from 'react-router-dom';
import { LoginPage } from '../features/auth/login-page';
import { Loading } from '../ui/messages';
import { AppLayout } from './app-layout';
import { NotFoundPage } from './not-found-page';
import { RequireAuth } from './require-auth';

// Every page but the sign-in page loads its code when first visited, which keeps the sign-in page's
// JavaScript small (see scripts/bundle-size.mjs): someone signing in downloads only what that page
// needs.
const RegisterPage = lazy(async () => ({
  default: (await import('../features/auth/register-page')).RegisterPage,
}));
const ResetPasswordPage = lazy(async () => ({
  default: (await import('../features/auth/reset-password-page')).ResetPasswordPage,
}));
const ForgotPasswordPage = lazy(async () => ({
  default: (await import('../features/auth/forgot-password-page')).ForgotPasswordPage,
}));
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

/** A page anyone may open, its code loaded on the first visit. */
function loaded(page: ReactElement) {
  return <Suspense fallback={<Loading />}>{page}</Suspense>;
}

/** A page for signed-in people only, its code loaded on the first visit. */
function signedIn(page: ReactElement) {
  return <RequireAuth>{loaded(page)}</RequireAuth>;
}

/** Every page of the app. */
export function AppRoutes() {
  return (
    <AppLayout>
      <Routes>
        <Route path="/login" element={<LoginPage />} />
        <Route path="/register" element={loaded(<RegisterPage />)} />
        <Route path="/reset-password" element={loaded(<ResetPasswordPage />)} />
        <Route path="/forgot-password" element={loaded(<ForgotPasswordPage />)} />
        <Route path="/verify-email" element={loaded(<VerifyEmailPage />)} />
        <Route path="/" element={signedIn(<AccountPage />)} />
        <Route path="/admin/users" element={signedIn(<AdminUsersPage />)} />
        <Route path="/admin/activity" element={signedIn(<ActivityPage />)} />
        <Route path="*" element={<NotFoundPage />} />
      </Routes>
    </AppLayout>
  );
}
