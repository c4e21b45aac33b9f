/** @jest-environment jsdom */
import { afterEach, describe, expect, it } from '@jest/globals';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import type { ApiKeyRead } from '@gatehouse/shared';
import { renderPage, type FakeRequest } from '../../test-support/render-page';
import { makeUser } from '../../test-support/users';
import { UsersTable } from './users-table';

afterEach(cleanup);

const ADMIN = makeUser({ id: '00000000-0000-4000-8000-000000000000', email: 'root@example.com', is_superuser: true });
const ADA = makeUser({ id: '00000000-0000-4000-8000-000000000001', email: 'ada@example.com' });

const KEYS: ApiKeyRead[] = [
  {
    id: '9c1f2e90-0000-4000-8000-000000000201',
    name: 'media sync',
    scope: 'write',
    prefix: 'gh_aaaa0001',
    created_at: '2026-01-01T00:00:00.000Z',
    expires_at: null,
    last_used_at: '2026-01-05T10:00:00.000Z',
    last_used_ip: '192.0.2.7',
  },
  {
    id: '9c1f2e90-0000-4000-8000-000000000202',
    name: 'old script',
    scope: 'read',
    prefix: 'gh_aaaa0002',
    created_at: '2026-01-01T00:00:00.000Z',
    expires_at: '2026-04-01T00:00:00.000Z',
    last_used_at: null,
    last_used_ip: null,
  },
];

describe('UsersTable: API keys of a user', () => {
  it('shows a user’s keys and revokes one after confirming', async () => {
    let keys = [...KEYS];
    const server = (request: FakeRequest) => {
      if (request.method === 'GET' && request.url === `/api/v1/users/${ADA.id}/api-keys`) return { status: 200, body: keys };
      if (request.method === 'DELETE' && request.url.startsWith('/api/v1/api-keys/')) {
        const id = request.url.split('/').at(-1);
        keys = keys.filter((key) => key.id !== id);
        return { status: 204 };
      }
      return undefined;
    };
    const rendered = renderPage(<UsersTable users={[ADMIN, ADA]} currentUserId={ADMIN.id} />, { path: '/users', server });
    expect(rendered.requests).toEqual([]);
    fireEvent.click(screen.getByRole('button', { name: 'API keys of ada@example.com' }));

    const list = await screen.findByRole('list', { name: 'API keys of ada@example.com' });
    const items = within(list).getAllByRole('listitem');
    expect(items).toHaveLength(2);
    expect(items[0]?.textContent).toContain('Write');
    expect(items[0]?.textContent).toContain('from 192.0.2.7');
    expect(items[0]?.textContent).toContain('Never expires');
    expect(items[1]?.textContent).toContain('Last used never');

    fireEvent.click(within(list).getByRole('button', { name: 'Revoke old script' }));
    expect(rendered.requests.some((r) => r.method === 'DELETE')).toBe(false);
    fireEvent.click(within(list).getByRole('button', { name: 'Yes, revoke old script' }));
    expect((await screen.findByText('Revoked “old script” of ada@example.com.')).getAttribute('role')).toBe('status');
    await waitFor(() => expect(within(list).getAllByRole('listitem')).toHaveLength(1));
    expect(rendered.requests.filter((r) => r.method === 'DELETE').map((r) => r.url)).toEqual([`/api/v1/api-keys/${KEYS[1]?.id}`]);

    fireEvent.click(screen.getByRole('button', { name: 'Close' }));
    expect(screen.queryByRole('list', { name: 'API keys of ada@example.com' })).toBeNull();
    expect(rendered.unhandled).toEqual([]);
  });
});
