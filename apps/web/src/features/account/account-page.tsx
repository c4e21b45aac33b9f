import { useDocumentTitle } from '../../ui/use-document-title';
import { useSignedInUser } from '../auth/signed-in-user';
import { ApiKeysSection } from './api-keys-section';
import { ChangeEmailForm } from './change-email-form';
import { ChangePasswordForm } from './change-password-form';
import { LinkedAccountsSection } from './linked-accounts-section';
import { PasskeysSection } from './passkeys-section';
import { ProfileForm } from './profile-form';
import { SessionsSection } from './sessions-section';
import { TwoStepSection } from './two-step-section';

export function AccountPage() {
  useDocumentTitle('Your account');
  const user = useSignedInUser();
  return (
    <div className="stack-large">
      <header>
        <h1>Your account</h1>
        <p className="lead">
          Signed in as <strong>{user.display_name ?? user.email}</strong>
          {user.display_name && <> ({user.email})</>}
          {user.is_superuser && <span className="badge">Administrator</span>}
        </p>
      </header>
      {!user.is_verified && (
        <div className="banner" role="status">
          Your account is waiting for an administrator to approve it.
        </div>
      )}
      <ProfileForm user={user} />
      <ChangeEmailForm user={user} />
      <ChangePasswordForm user={user} />
      <PasskeysSection user={user} />
      <TwoStepSection user={user} />
      <LinkedAccountsSection user={user} />
      <SessionsSection />
      <ApiKeysSection user={user} />
    </div>
  );
}
