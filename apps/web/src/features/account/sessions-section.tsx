import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { SessionRead } from '@gatehouse/shared';
import { useApi } from '../../api/api-context';
import { queryKeys } from '../../api/query-keys';
import { ErrorAlert, Loading, StatusMessage } from '../../ui/messages';
import { formatDateTime } from '../../ui/format-date';
import { useSignOut } from '../auth/use-sign-out';
import { describeSession } from './describe-session';

export function SessionsSection() {
  const api = useApi();
  const queryClient = useQueryClient();
  const sessions = useQuery({
    queryKey: queryKeys.mySessions,
    queryFn: ({ signal }) => api.call('listMySessions', { signal }),
  });
  const revoke = useMutation({
    mutationFn: (id: string) => api.call('revokeMySession', { params: { id } }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: queryKeys.mySessions }),
  });
  const revokeOthers = useMutation({
    mutationFn: () => api.call('revokeMyOtherSessions'),
    onSettled: () => queryClient.invalidateQueries({ queryKey: queryKeys.mySessions }),
  });
  // Ending this browser's own session is signing out, with everything that comes with it.
  const signOut = useSignOut();

  function endSession(session: SessionRead) {
    if (session.is_current) signOut.mutate();
    else revoke.mutate(session.id);
  }

  // Current session first, then the most recently used.
  const sorted = [...(sessions.data ?? [])].sort(
    (a, b) => Number(b.is_current) - Number(a.is_current) || b.last_seen_at.localeCompare(a.last_seen_at),
  );

  return (
    <section className="card" aria-labelledby="sessions-heading">
      <h2 id="sessions-heading">Sessions</h2>
      <p>Devices and apps signed in to your account. Sign out any you do not recognise.</p>
      {sessions.isPending && <Loading />}
      <ErrorAlert error={sessions.error ?? revoke.error ?? revokeOthers.error ?? signOut.error} />
      {revokeOthers.isSuccess && (
        <StatusMessage>
          {revokeOthers.data.revoked === 1 ? 'Signed out 1 other session.' : `Signed out ${revokeOthers.data.revoked} other sessions.`}
        </StatusMessage>
      )}
      {sessions.data && (
        <ul className="session-list">
          {sorted.map((session) => {
            const name = describeSession(session);
            const isBusy = (revoke.isPending && revoke.variables === session.id) || (session.is_current && signOut.isPending);
            return (
              <li key={session.id} className="session">
                <div>
                  <p className="session-name">
                    {name}
                    {session.is_current && <span className="badge">This device</span>}
                  </p>
                  <p className="session-meta">
                    {session.ip_address && <>{session.ip_address} · </>}
                    Signed in <time dateTime={session.created_at}>{formatDateTime(session.created_at)}</time> · Last active{' '}
                    <time dateTime={session.last_seen_at}>{formatDateTime(session.last_seen_at)}</time>
                  </p>
                </div>
                <button
                  type="button"
                  className="button button-secondary"
                  // The visible text stays "Sign out"; the name says which session (label in name).
                  aria-label={`Sign out session: ${name}${session.is_current ? ' (this device)' : ''}`}
                  disabled={isBusy}
                  aria-busy={isBusy}
                  onClick={() => endSession(session)}
                >
                  Sign out
                </button>
              </li>
            );
          })}
        </ul>
      )}
      {sorted.some((session) => !session.is_current) && (
        <p>
          <button
            type="button"
            className="button button-secondary"
            disabled={revokeOthers.isPending}
            aria-busy={revokeOthers.isPending}
            onClick={() => revokeOthers.mutate()}
          >
            Sign out all other sessions
          </button>
        </p>
      )}
    </section>
  );
}
