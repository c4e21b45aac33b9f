import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import { useApi } from '../../api/api-context';
import { queryKeys } from '../../api/query-keys';
import { ErrorAlert, Loading } from '../../ui/messages';
import { useDocumentTitle } from '../../ui/use-document-title';
import { useSignedInUser } from '../auth/signed-in-user';
import { CreateUserForm } from './create-user-form';
import { UsersTable } from './users-table';

export function AdminUsersPage() {
  useDocumentTitle('Users');
  const user = useSignedInUser();
  if (!user.is_superuser) {
    return (
      <div className="narrow">
        <h1>Users</h1>
        <p>Only administrators can manage users.</p>
        <p>
          <Link to="/">Back to your account</Link>
        </p>
      </div>
    );
  }
  return <UserAdministration currentUserId={user.id} />;
}

function UserAdministration({ currentUserId }: { currentUserId: string }) {
  const api = useApi();
  const users = useQuery({
    queryKey: queryKeys.users,
    queryFn: ({ signal }) => api.call('listUsers', { signal }),
  });
  return (
    <div className="stack-large">
      <h1>Users</h1>
      <section aria-labelledby="all-users-heading" className="stack">
        <h2 id="all-users-heading">All users</h2>
        {users.isPending && <Loading />}
        <ErrorAlert error={users.error} />
        {users.data && <UsersTable users={users.data} currentUserId={currentUserId} />}
      </section>
      <CreateUserForm />
    </div>
  );
}
