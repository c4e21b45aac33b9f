import { createBrowserRouter } from 'react-router-dom';
import { AccountPage } from '../features/account/account-page';
import { AdminUsersPage } from '../features/admin-users/admin-users-page';
import { LoginPage } from '../features/auth/login-page';
import { RegisterPage } from '../features/auth/register-page';
import { ResetPasswordPage } from '../features/auth/reset-password-page';
import { ForgotPasswordPage } from '../features/auth/forgot-password-page';
import { AppLayout } from './app-layout';
import { NotFoundPage } from './not-found-page';
import { RequireAuth } from './require-auth';

/** `basePath`: the sub-path of frontend_url ("" at the root), as the server's <base href> says. */
export function createAppRouter(basePath = '') {
  return createBrowserRouter([
    {
      element: <AppLayout />,
      children: [
        { path: 'login', element: <LoginPage /> },
        { path: 'register', element: <RegisterPage /> },
        { path: 'reset-password', element: <ResetPasswordPage /> },
        { path: 'forgot-password', element: <ForgotPasswordPage /> },
        {
          element: <RequireAuth />,
          children: [
            { index: true, element: <AccountPage /> },
            { path: 'admin/users', element: <AdminUsersPage /> },
            { path: 'admin/activity', lazy: () => import('../features/activity/activity-route') },
          ],
        },
        { path: '*', element: <NotFoundPage /> },
      ],
    },
  ], { basename: basePath || '/' });
}
