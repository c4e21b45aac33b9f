import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { AdminUpdateUserRequest, UserRead } from '@gatehouse/shared';
import { useApi } from '../../api/api-context';
import { queryKeys } from '../../api/query-keys';
import { ErrorAlert, StatusMessage } from '../../ui/messages';
import { ResetLinkResult } from './reset-link-result';

type Flag = 'is_active' | 'is_verified' | 'is_superuser';

const FLAGS: ReadonlyArray<{ flag: Flag; label: string }> = [
  { flag: 'is_active', label: 'Active' },
  { flag: 'is_verified', label: 'Verified' },
  { flag: 'is_superuser', label: 'Admin' },
];

function formatDate(iso: string): string {
  return new Date(iso).toLocaleDateString(undefined, { dateStyle: 'medium' });
}

export function UsersTable({ users, currentUserId }: { users: readonly UserRead[]; currentUserId: string }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [confirmingDeleteId, setConfirmingDeleteId] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const refresh = async (userId: string) => {
    await queryClient.invalidateQueries({ queryKey: queryKeys.users });
    // Changing yourself changes what this page (and the nav) may show.
    if (userId === currentUserId) await queryClient.invalidateQueries({ queryKey: queryKeys.me });
  };

  const updateUser = useMutation({
    mutationFn: ({ id, body }: { id: string; body: AdminUpdateUserRequest }) => api.call('updateUser', { params: { id }, body }),
    onMutate: () => {
      setNotice(null);
      deleteUser.reset();
    },
    onSuccess: (user) => setNotice(`Saved changes to ${user.email}.`),
    onSettled: (_data, _error, { id }) => refresh(id),
  });

  const deleteUser = useMutation({
    mutationFn: (user: UserRead) => api.call('deleteUser', { params: { id: user.id } }),
    onMutate: () => {
      setNotice(null);
      updateUser.reset();
    },
    onSuccess: (_data, user) => {
      setConfirmingDeleteId(null);
      setNotice(`Deleted ${user.email}.`);
    },
    onSettled: (_data, _error, user) => refresh(user.id),
  });

  const sendReset = useMutation({
    mutationFn: (user: UserRead) => api.call('sendPasswordReset', { params: { id: user.id } }),
    onMutate: () => {
      setNotice(null);
      updateUser.reset();
      deleteUser.reset();
    },
  });

  // One alert for the table: the latest refusal (e.g. the API's "last administrator" message).
  const error = updateUser.error ?? deleteUser.error ?? sendReset.error;

  return (
    <div className="stack">
      <ErrorAlert error={error} />
      {notice && !error && <StatusMessage>{notice}</StatusMessage>}
      {sendReset.isSuccess && <ResetLinkResult email={sendReset.variables.email} result={sendReset.data} />}
      <div className="table-scroll">
        <table className="users-table">
          <caption className="visually-hidden">All users</caption>
          <thead>
            <tr>
              <th scope="col">User</th>
              {FLAGS.map(({ flag, label }) => (
                <th scope="col" key={flag}>
                  {label}
                </th>
              ))}
              <th scope="col">Created</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {users.map((user) => {
              const isBusy =
                (updateUser.isPending && updateUser.variables.id === user.id) || (deleteUser.isPending && deleteUser.variables.id === user.id);
              return (
                <tr key={user.id} aria-busy={isBusy}>
                  <th scope="row" className="user-cell">
                    <span className="user-email">{user.email}</span>
                    {user.display_name && <span className="user-name">{user.display_name}</span>}
                    {user.id === currentUserId && <span className="badge">You</span>}
                  </th>
                  {FLAGS.map(({ flag, label }) => {
                    const id = `user-${user.id}-${flag}`;
                    return (
                      <td key={flag} className="flag-cell">
                        <input
                          id={id}
                          name={flag}
                          type="checkbox"
                          checked={user[flag]}
                          disabled={isBusy}
                          onChange={(event) => updateUser.mutate({ id: user.id, body: { [flag]: event.currentTarget.checked } })}
                        />
                        <label htmlFor={id} className="visually-hidden">
                          {`${label}: ${user.email}`}
                        </label>
                      </td>
                    );
                  })}
                  <td>
                    <time dateTime={user.created_at}>{formatDate(user.created_at)}</time>
                  </td>
                  <td className="actions-cell">
                    {confirmingDeleteId === user.id ? (
                      <div className="confirm" role="group" aria-label={`Confirm deleting ${user.email}`}>
                        <span>Delete {user.email}?</span>
                        <button
                          type="button"
                          className="button button-danger"
                          aria-label={`Yes, delete ${user.email}`}
                          disabled={isBusy}
                          onClick={() => deleteUser.mutate(user)}
                        >
                          Yes, delete
                        </button>
                        <button type="button" className="button button-secondary" onClick={() => setConfirmingDeleteId(null)}>
                          Cancel
                        </button>
                      </div>
                    ) : (
                      <>
                        <button
                          type="button"
                          className="button button-secondary"
                          aria-label={`Send reset link to ${user.email}`}
                          disabled={isBusy || (sendReset.isPending && sendReset.variables.id === user.id)}
                          onClick={() => sendReset.mutate(user)}
                        >
                          Send reset link
                        </button>
                        <button
                          type="button"
                          className="button button-secondary"
                          aria-label={`Delete ${user.email}`}
                          disabled={isBusy}
                          onClick={() => {
                            updateUser.reset();
                            deleteUser.reset();
                            setConfirmingDeleteId(user.id);
                          }}
                        >
                          Delete
                        </button>
                      </>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}
