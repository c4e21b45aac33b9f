import { lazy, Suspense } from 'react';
import { Route, Switch } from 'wouter';
import { AccountPage } from '../features/account/account-page';
import { LoginPage } from '../features/auth/login-page';
import { RegisterPage } from '../features/auth/register-page';
import { ResetPasswordPage } from '../features/auth/reset-password-page';
import { ForgotPasswordPage } from '../features/auth/forgot-password-page';
import { Loading } from '../ui/messages';
import { AppLayout } from './app-layout';
import { NotFoundPage } from './not-found-page';
import { RequireAuth } from './require-auth';

// Only administrators need this page: its code loads when first visited, which keeps the sign-in
// page's JavaScript small (see scripts/bundle-size.mjs).
const AdminUsersPage = lazy(async () => ({
  default: (await import('../features/admin-users/admin-users-page')).AdminUsersPage,
}));
const ActivityPage = lazy(async () => ({
  default: (await import('../features/activity/activity-page')).ActivityPage,
}));

/** Every page of the app. wouter, not react-router: the sign-in page has a 100 KB JavaScript budget. */
export function AppRoutes() {
  return (
    <AppLayout>
      <Switch>
        <Route path="/login" component={LoginPage} />
        <Route path="/register" component={RegisterPage} />
        <Route path="/reset-password" component={ResetPasswordPage} />
        <Route path="/forgot-password" component={ForgotPasswordPage} />
        <Route path="/">
          <RequireAuth>
            <AccountPage />
          </RequireAuth>
        </Route>
        <Route path="/admin/users">
          <RequireAuth>
            <Suspense fallback={<Loading />}>
              <AdminUsersPage />
            </Suspense>
          </RequireAuth>
        </Route>
        <Route path="/admin/activity">
          <RequireAuth>
            <Suspense fallback={<Loading />}>
              <ActivityPage />
            </Suspense>
          </RequireAuth>
        </Route>
        <Route component={NotFoundPage} />
      </Switch>
    </AppLayout>
  );
}
