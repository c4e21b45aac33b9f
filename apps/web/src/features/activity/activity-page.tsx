import { useState, type FormEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import type { AuditEvent } from '@gatehouse/shared';
import { useApi } from '../../api/api-context';
import { ErrorAlert, Loading } from '../../ui/messages';
import { useDocumentTitle } from '../../ui/use-document-title';
import { useSignedInUser } from '../auth/signed-in-user';
import { EVENT_TYPE_OPTIONS, buildAuditQuery, describeActor, describeEvent, type ActivityFilters } from './describe-event';

export function ActivityPage() {
  useDocumentTitle('Activity');
  const user = useSignedInUser();
  if (!user.is_superuser) {
    return (
      <div className="narrow">
        <h1>Activity</h1>
        <p>Only administrators can see the activity log.</p>
        <p>
          <Link to="/">Back to your account</Link>
        </p>
      </div>
    );
  }
  return <ActivityLog />;
}

function ActivityLog() {
  const api = useApi();
  const [filters, setFilters] = useState<ActivityFilters>({ user: '', type: '' });
  // Cursors of the pages seen so far: [null] is the newest page.
  const [cursors, setCursors] = useState<Array<string | null>>([null]);
  const before = cursors[cursors.length - 1] ?? null;
  const page = useQuery({
    queryKey: ['audit', filters, before],
    queryFn: ({ signal }) => api.call('listAuditEvents', { signal, query: buildAuditQuery(filters, before) }),
  });

  function applyFilters(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setFilters({ user: (form.get('user') as string | null) ?? '', type: (form.get('type') as string | null) ?? '' });
    setCursors([null]);
  }

  return (
    <div className="stack-large">
      <h1>Activity</h1>
      <form className="stack" onSubmit={applyFilters} aria-label="Filter activity">
        <label>
          User id <input name="user" defaultValue={filters.user} placeholder="any user" />
        </label>
        <label>
          Event{' '}
          <select name="type" defaultValue={filters.type}>
            <option value="">any event</option>
            {EVENT_TYPE_OPTIONS.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="button button-secondary button-small">
          Filter
        </button>
      </form>
      {page.isPending && <Loading />}
      <ErrorAlert error={page.error} />
      {page.data && <ActivityTable events={page.data.events} />}
      <p>
        {cursors.length > 1 && (
          <button type="button" className="button button-secondary button-small" onClick={() => setCursors(cursors.slice(0, -1))}>
            Newer
          </button>
        )}{' '}
        {page.data?.next_before && (
          <button type="button" className="button button-secondary button-small" onClick={() => setCursors([...cursors, page.data.next_before])}>
            Older
          </button>
        )}
      </p>
    </div>
  );
}

export function ActivityTable({ events }: { events: readonly AuditEvent[] }) {
  if (events.length === 0) return <p>No activity matches.</p>;
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Who</th>
          <th scope="col">What</th>
          <th scope="col">Account</th>
          <th scope="col">Address</th>
        </tr>
      </thead>
      <tbody>
        {events.map((event) => (
          <tr key={event.id}>
            <td>
              <time dateTime={event.created_at}>{new Date(event.created_at).toLocaleString()}</time>
            </td>
            <td>{describeActor(event)}</td>
            <td>{describeEvent(event)}</td>
            <td>{event.user_email ?? '—'}</td>
            <td>{event.ip_address ?? '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
