import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ApiKeyRead, UserRead } from '@gatehouse/shared';
import { useApi } from '../../api/api-context';
import { queryKeys } from '../../api/query-keys';
import { ErrorAlert, Loading, StatusMessage } from '../../ui/messages';
import { ApiKeySummary, ConfirmRevoke } from '../account/api-key-parts';

/** One user's API keys, as an administrator sees them: names, scopes, last use; any can be revoked. */
export function UserApiKeys({ user, onClose }: { user: UserRead; onClose: () => void }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const queryKey = [...queryKeys.userApiKeys, user.id];
  const keys = useQuery({
    queryKey,
    queryFn: ({ signal }) => api.call('listUserApiKeys', { params: { id: user.id }, signal }),
  });
  const [confirming, setConfirming] = useState<string | null>(null);
  const revoke = useMutation({
    mutationFn: (key: ApiKeyRead) => api.call('revokeApiKey', { params: { id: key.id } }),
    onSuccess: () => setConfirming(null),
    onSettled: () => queryClient.invalidateQueries({ queryKey }),
  });

  return (
    <section className="card stack" aria-labelledby="user-api-keys-heading">
      <h2 id="user-api-keys-heading">API keys of {user.email}</h2>
      {keys.isPending && <Loading />}
      <ErrorAlert error={keys.error ?? revoke.error} />
      {revoke.isSuccess && <StatusMessage>{`Revoked “${revoke.variables.name}” of ${user.email}.`}</StatusMessage>}
      {keys.data && keys.data.length === 0 && <p>{user.email} has no API keys.</p>}
      {keys.data && keys.data.length > 0 && (
        <ul className="session-list" aria-label={`API keys of ${user.email}`}>
          {keys.data.map((key) => {
            const isBusy = revoke.isPending && revoke.variables.id === key.id;
            return (
              <li key={key.id} className="session">
                <div>
                  <ApiKeySummary apiKey={key} />
                </div>
                {confirming === key.id ? (
                  <ConfirmRevoke apiKey={key} isBusy={isBusy} onConfirm={() => revoke.mutate(key)} onCancel={() => setConfirming(null)} />
                ) : (
                  <button
                    type="button"
                    className="button button-secondary"
                    aria-label={`Revoke ${key.name}`}
                    disabled={isBusy}
                    onClick={() => {
                      revoke.reset();
                      setConfirming(key.id);
                    }}
                  >
                    Revoke
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      )}
      <p>
        <button type="button" className="button button-secondary" onClick={onClose}>
          Close
        </button>
      </p>
    </section>
  );
}
