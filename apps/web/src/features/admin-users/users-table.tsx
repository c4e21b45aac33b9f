import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { AdminUpdateUserRequest, UserRead } from '@gatehouse/shared';
import { useApi } from '../../api/api-context';
import { queryKeys } from '../../api/query-keys';
import { ErrorAlert, StatusMessage } from '../../ui/messages';
import { ResetLinkResult } from './reset-link-result';
import { UserApiKeys } from './user-api-keys';

type Flag = 'is_active' | 'is_verified' | 'is_superuser';

const FLAGS: ReadonlyArray<{ flag: Flag; label: string }> = [
  { flag: 'is_active', label: 'Active' },
  { flag: 'is_verified', label: 'Verified' },
  { flag: 'is_superuser', label: 'Admin' },
];

function formatDate(iso: string): string {
  return new Date(iso).toLocaleDateString(undefined, { dateStyle: 'medium' });
}

/** A destructive action waiting for its "yes": deleting a user, or resetting their two-step sign-in. */
interface Confirming {
  id: string;
  action: 'delete' | 'reset-second-factor';
}

export function UsersTable({ users, currentUserId }: { users: readonly UserRead[]; currentUserId: string }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState<Confirming | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  // Whose API keys are shown under the table.
  const [keysOf, setKeysOf] = useState<UserRead | null>(null);

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
      setConfirming(null);
      setNotice(`Deleted ${user.email}.`);
    },
    onSettled: (_data, _error, user) => refresh(user.id),
  });

  // For someone who lost both their authenticator app and their recovery codes.
  const resetSecondFactor = useMutation({
    mutationFn: (user: UserRead) => api.call('resetUserSecondFactor', { params: { id: user.id } }),
    onMutate: () => {
      setNotice(null);
      updateUser.reset();
      deleteUser.reset();
    },
    onSuccess: (_data, user) => {
      setConfirming(null);
      setNotice(`Reset two-step sign-in of ${user.email}: their next sign-in needs only the password.`);
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

  function askToConfirm(next: Confirming) {
    updateUser.reset();
    deleteUser.reset();
    resetSecondFactor.reset();
    setConfirming(next);
  }

  // One alert for the table: the latest refusal (e.g. the API's "last administrator" message).
  const error = updateUser.error ?? deleteUser.error ?? sendReset.error ?? resetSecondFactor.error;

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
              <th scope="col">Two-step</th>
              <th scope="col">Created</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {users.map((user) => {
              const isBusy = [updateUser, deleteUser, resetSecondFactor].some((mutation) => mutation.isPending && mutation.variables.id === user.id);
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
                  <td>{user.has_second_factor ? 'On' : 'Off'}</td>
                  <td>
                    <time dateTime={user.created_at}>{formatDate(user.created_at)}</time>
                  </td>
                  <td className="actions-cell">
                    {confirming?.id === user.id && confirming.action === 'delete' ? (
                      <ConfirmAction
                        groupLabel={`Confirm deleting ${user.email}`}
                        question={`Delete ${user.email}?`}
                        yes="Yes, delete"
                        yesLabel={`Yes, delete ${user.email}`}
                        isBusy={isBusy}
                        onYes={() => deleteUser.mutate(user)}
                        onCancel={() => setConfirming(null)}
                      />
                    ) : confirming?.id === user.id ? (
                      <ConfirmAction
                        groupLabel={`Confirm resetting two-step sign-in of ${user.email}`}
                        question={`Remove the authenticator app and recovery codes of ${user.email}? Only do this once you know it is them asking.`}
                        yes="Yes, reset"
                        yesLabel={`Yes, reset two-step sign-in of ${user.email}`}
                        isBusy={isBusy}
                        onYes={() => resetSecondFactor.mutate(user)}
                        onCancel={() => setConfirming(null)}
                      />
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
                        {user.has_second_factor && (
                          <button
                            type="button"
                            className="button button-secondary"
                            aria-label={`Reset two-step sign-in of ${user.email}`}
                            disabled={isBusy}
                            onClick={() => askToConfirm({ id: user.id, action: 'reset-second-factor' })}
                          >
                            Reset two-step sign-in
                          </button>
                        )}
                        <button
                          type="button"
                          className="button button-secondary"
                          aria-label={`API keys of ${user.email}`}
                          aria-pressed={keysOf?.id === user.id}
                          onClick={() => setKeysOf(keysOf?.id === user.id ? null : user)}
                        >
                          API keys
                        </button>
                        <button
                          type="button"
                          className="button button-secondary"
                          aria-label={`Delete ${user.email}`}
                          disabled={isBusy}
                          onClick={() => askToConfirm({ id: user.id, action: 'delete' })}
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
      {keysOf && <UserApiKeys key={keysOf.id} user={keysOf} onClose={() => setKeysOf(null)} />}
    </div>
  );
}

function ConfirmAction({
  groupLabel,
  question,
  yes,
  yesLabel,
  isBusy,
  onYes,
  onCancel,
}: {
  groupLabel: string;
  question: string;
  /** The button's text, and its name naming the user (several rows may ask at once for a screen reader). */
  yes: string;
  yesLabel: string;
  isBusy: boolean;
  onYes: () => void;
  onCancel: () => void;
}) {
  return (
    <div className="confirm" role="group" aria-label={groupLabel}>
      <span>{question}</span>
      <button type="button" className="button button-danger" aria-label={yesLabel} disabled={isBusy} onClick={onYes}>
        {yes}
      </button>
      <button type="button" className="button button-secondary" onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}
