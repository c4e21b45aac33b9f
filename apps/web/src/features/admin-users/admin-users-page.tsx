import type { FormEvent } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router-dom';
import { useApi } from '../../api/api-context';
import { queryKeys } from '../../api/query-keys';
import { readField } from '../../ui/form-data';
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

const SEARCH_PARAM = 'q';
const PAGE_PARAM = 'page';

/** The page number in the address, or 1 for anything that is not a whole number from 1. */
export function readPageNumber(value: string | null): number {
  const page = Number(value);
  return Number.isInteger(page) && page >= 1 ? page : 1;
}

function UserAdministration({ currentUserId }: { currentUserId: string }) {
  const api = useApi();
  // Search text and page live in the address: reload, back and shared links keep them.
  const [searchParams, setSearchParams] = useSearchParams();
  const searchText = searchParams.get(SEARCH_PARAM) ?? '';
  const page = readPageNumber(searchParams.get(PAGE_PARAM));
  const users = useQuery({
    queryKey: [...queryKeys.users, { q: searchText, page }],
    queryFn: ({ signal }) => api.call('searchUsers', { query: { q: searchText, page: page === 1 ? '' : page }, signal }),
    placeholderData: keepPreviousData,
  });

  function goTo(next: { q?: string; page?: number }) {
    const q = next.q ?? searchText;
    const nextPage = next.page ?? 1;
    const params = new URLSearchParams();
    if (q !== '') params.set(SEARCH_PARAM, q);
    if (nextPage > 1) params.set(PAGE_PARAM, String(nextPage));
    setSearchParams(params);
  }

  function handleSearch(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    goTo({ q: readField(new FormData(event.currentTarget), 'q'), page: 1 });
  }

  const data = users.data;
  const pageCount = data ? Math.max(1, Math.ceil(data.total / data.per_page)) : 1;
  return (
    <div className="stack-large">
      <h1>Users</h1>
      <section aria-labelledby="all-users-heading" className="stack">
        <h2 id="all-users-heading">All users</h2>
        <form role="search" className="search-row" onSubmit={handleSearch} aria-label="Search users">
          <div className="field">
            <label htmlFor="user-search">Search by email or name</label>
            <input id="user-search" name="q" type="search" defaultValue={searchText} key={searchText} maxLength={200} />
          </div>
          <button type="submit" className="button button-secondary">
            Search
          </button>
        </form>
        {users.isPending && <Loading />}
        <ErrorAlert error={users.error} />
        {data && (
          <>
            <p role="status" className="result-count">
              {describeResultCount(data.total, searchText)}
              {users.isPlaceholderData && ' Loading…'}
            </p>
            {data.items.length > 0 && <UsersTable users={data.items} currentUserId={currentUserId} />}
            {pageCount > 1 && (
              <nav aria-label="Pages of users" className="pager">
                <button
                  type="button"
                  className="button button-secondary button-small"
                  disabled={page <= 1 || users.isPlaceholderData}
                  onClick={() => goTo({ page: page - 1 })}
                >
                  Previous page
                </button>
                <span>
                  Page {Math.min(page, pageCount)} of {pageCount}
                </span>
                <button
                  type="button"
                  className="button button-secondary button-small"
                  disabled={page >= pageCount || users.isPlaceholderData}
                  onClick={() => goTo({ page: page + 1 })}
                >
                  Next page
                </button>
              </nav>
            )}
          </>
        )}
      </section>
      <CreateUserForm />
    </div>
  );
}

export function describeResultCount(total: number, searchText: string): string {
  const users = total === 1 ? '1 user' : `${total} users`;
  if (searchText === '') return `${users} in all.`;
  if (total === 0) return `No user matches “${searchText}”.`;
  return `${users} ${total === 1 ? 'matches' : 'match'} “${searchText}”.`;
}
