/** @jest-environment jsdom */
import { afterEach, describe, expect, it } from '@jest/globals';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import type { UserRead } from '@gatehouse/shared';
import { renderPage, type FakeRequest } from '../../test-support/render-page';
import { makeUser } from '../../test-support/users';
import { SignedInUserProvider } from '../auth/signed-in-user';
import { AdminUsersPage, describeResultCount, readPageNumber } from './admin-users-page';

afterEach(cleanup);

const ADMIN = makeUser({ id: '00000000-0000-4000-8000-000000000000', email: 'root@example.com', is_superuser: true });
const PEOPLE: UserRead[] = Array.from({ length: 30 }, (_, index) =>
  makeUser({
    id: `00000000-0000-4000-8000-${String(index + 1).padStart(12, '0')}`,
    email: `person${index + 1}@example.com`,
    is_verified: index !== 0,
    has_second_factor: index === 2,
  }),
);

/** GET /users as the API answers it, over PEOPLE. */
function fakeUsersApi(log: FakeRequest[] = []) {
  let people = [...PEOPLE];
  return (request: FakeRequest) => {
    log.push(request);
    const url = new URL(request.url, 'http://test');
    if (request.method === 'GET' && url.pathname === '/api/v1/users') {
      const q = url.searchParams.get('q') ?? '';
      const page = Number(url.searchParams.get('page') ?? '1');
      const matching = people.filter((user) => user.email.includes(q));
      return { status: 200, body: { items: matching.slice((page - 1) * 25, page * 25), total: matching.length, page, per_page: 25 } };
    }
    if (request.method === 'DELETE' && url.pathname.endsWith('/second-factor')) {
      const target = url.pathname.split('/').at(-2);
      people = people.map((user) => (user.id === target ? { ...user, has_second_factor: false } : user));
      return { status: 204 };
    }
    const id = url.pathname.split('/').at(-1);
    if (request.method === 'PATCH') {
      people = people.map((user) => (user.id === id ? { ...user, ...(request.body as Partial<UserRead>) } : user));
      return { status: 200, body: people.find((user) => user.id === id) };
    }
    if (request.method === 'DELETE') {
      people = people.filter((user) => user.id !== id);
      return { status: 204 };
    }
    return undefined;
  };
}

function renderUsersPage(path: string, server: (request: FakeRequest) => unknown) {
  return renderPage(
    <SignedInUserProvider user={ADMIN}>
      <AdminUsersPage />
    </SignedInUserProvider>,
    { path, server: server as never },
  );
}

describe('the users page', () => {
  it('pages through users and searches, keeping both in the address', async () => {
    const log: FakeRequest[] = [];
    const rendered = renderUsersPage('/admin/users', fakeUsersApi(log));
    await screen.findByText('30 users in all.');
    expect(screen.getAllByRole('row')).toHaveLength(26); // header + 25
    expect(screen.getByText('Page 1 of 2')).toBeTruthy();
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Previous page' }).disabled).toBe(true);

    fireEvent.click(screen.getByRole('button', { name: 'Next page' }));
    await screen.findByText('Page 2 of 2');
    await screen.findByText('person30@example.com');
    expect(rendered.history.at(-1)).toBe('/admin/users?page=2');

    fireEvent.change(screen.getByLabelText('Search by email or name'), { target: { value: 'person2' } });
    fireEvent.click(screen.getByRole('button', { name: 'Search' }));
    await screen.findByText('11 users match “person2”.');
    expect(rendered.history.at(-1)).toBe('/admin/users?q=person2');
    expect(log.at(-1)?.url).toBe('/api/v1/users?q=person2');
    expect(screen.queryByRole('navigation', { name: 'Pages of users' })).toBeNull();
  });

  it('verifies a user with its checkbox, and deletes only after confirmation', async () => {
    const log: FakeRequest[] = [];
    renderUsersPage('/admin/users', fakeUsersApi(log));
    const verified = await screen.findByLabelText<HTMLInputElement>('Verified: person1@example.com');
    expect(verified.checked).toBe(false);
    fireEvent.click(verified);
    await screen.findByText('Saved changes to person1@example.com.');
    expect(log.find((r) => r.method === 'PATCH')?.body).toEqual({ is_verified: true });
    await waitFor(() => expect(screen.getByLabelText<HTMLInputElement>('Verified: person1@example.com').checked).toBe(true));

    fireEvent.click(screen.getByRole('button', { name: 'Delete person2@example.com' }));
    const confirm = screen.getByRole('group', { name: 'Confirm deleting person2@example.com' });
    expect(log.some((r) => r.method === 'DELETE')).toBe(false);
    fireEvent.click(within(confirm).getByRole('button', { name: 'Yes, delete person2@example.com' }));
    await screen.findByText('Deleted person2@example.com.');
    await waitFor(() => expect(screen.queryByText('person2@example.com')).toBeNull());
  });

  it('shows who has two-step sign-in, and resets it only after confirmation', async () => {
    const log: FakeRequest[] = [];
    renderUsersPage('/admin/users', fakeUsersApi(log));
    const row = (email: string) => screen.getByRole('rowheader', { name: new RegExp(email) }).closest('tr') as HTMLElement;
    await screen.findByText('person3@example.com');
    expect(screen.getByRole('columnheader', { name: 'Two-step' })).toBeTruthy();
    expect(within(row('person3@example.com')).getByText('On')).toBeTruthy();
    expect(within(row('person4@example.com')).getByText('Off')).toBeTruthy();
    // Only someone who has one can have it reset.
    expect(screen.queryByRole('button', { name: 'Reset two-step sign-in of person4@example.com' })).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: 'Reset two-step sign-in of person3@example.com' }));
    const confirm = screen.getByRole('group', { name: 'Confirm resetting two-step sign-in of person3@example.com' });
    expect(log.some((r) => r.method === 'DELETE')).toBe(false);
    fireEvent.click(within(confirm).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('group', { name: 'Confirm resetting two-step sign-in of person3@example.com' })).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: 'Reset two-step sign-in of person3@example.com' }));
    fireEvent.click(screen.getByRole('button', { name: 'Yes, reset two-step sign-in of person3@example.com' }));
    await screen.findByText('Reset two-step sign-in of person3@example.com: their next sign-in needs only the password.');
    expect(log.filter((r) => r.method === 'DELETE').map((r) => r.url)).toEqual([`/api/v1/users/${PEOPLE[2]?.id}/second-factor`]);
    await waitFor(() => expect(within(row('person3@example.com')).getByText('Off')).toBeTruthy());
    expect(screen.queryByRole('button', { name: 'Reset two-step sign-in of person3@example.com' })).toBeNull();
  });

  it('reads the page number and words the count', () => {
    expect([readPageNumber(null), readPageNumber('3'), readPageNumber('0'), readPageNumber('2.5'), readPageNumber('x')]).toEqual([1, 3, 1, 1, 1]);
    expect(describeResultCount(1, '')).toBe('1 user in all.');
    expect(describeResultCount(0, 'zed')).toBe('No user matches “zed”.');
    expect(describeResultCount(1, 'zed')).toBe('1 user matches “zed”.');
  });
});
