/** @jest-environment jsdom */
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import type { ApiKeyRead } from '@gatehouse/shared';
import { useAuthMetadata } from '../../api/hooks';
import { renderPage, type FakeRequest } from '../../test-support/render-page';
import { makeUser } from '../../test-support/users';
import { ApiKeysSection } from './api-keys-section';
import { describeExpiry, describeLastUse } from './describe-api-key';

afterEach(cleanup);

const KEY: ApiKeyRead = {
  id: '9c1f2e90-0000-4000-8000-000000000101',
  name: 'backup script',
  scope: 'read',
  prefix: 'gh_abcdef12',
  created_at: '2026-01-01T00:00:00.000Z',
  expires_at: '2026-04-01T00:00:00.000Z',
  last_used_at: null,
  last_used_ip: null,
};

/** The API key routes over an in-memory list, and the metadata (keys that never expire off unless said). */
function fakeKeysApi(initial: ApiKeyRead[] = [KEY], { allowsNoExpiry = false } = {}) {
  let keys = [...initial];
  return (request: FakeRequest) => {
    const url = request.url;
    if (request.method === 'GET' && url === '/api/v1/auth/metadata') {
      return { status: 200, body: { oidc_providers: [], password_login_enabled: true, api_keys_allow_no_expiry: allowsNoExpiry } };
    }
    if (request.method === 'GET' && url === '/api/v1/users/me/api-keys') return { status: 200, body: keys };
    if (request.method === 'POST' && url === '/api/v1/users/me/api-keys') {
      const body = request.body as { name: string; scope: ApiKeyRead['scope']; expires_in_days?: number | null };
      const created: ApiKeyRead = {
        ...KEY,
        id: '9c1f2e90-0000-4000-8000-000000000102',
        name: body.name,
        scope: body.scope,
        prefix: 'gh_new00001',
        expires_at: body.expires_in_days === null ? null : KEY.expires_at,
      };
      keys = [...keys, created];
      return { status: 201, body: { key: 'gh_new00001_secretsecret', api_key: created } };
    }
    const id = url.split('/').at(-1);
    if (request.method === 'PATCH') {
      keys = keys.map((key) => (key.id === id ? { ...key, name: (request.body as { name: string }).name } : key));
      return { status: 200, body: keys.find((key) => key.id === id) };
    }
    if (request.method === 'DELETE') {
      keys = keys.filter((key) => key.id !== id);
      return { status: 204 };
    }
    return undefined;
  };
}

/** Shows once the metadata has arrived, so that a test can tell "not offered" from "not yet loaded". */
function MetadataLoaded() {
  return useAuthMetadata().data ? <p>Metadata loaded</p> : null;
}

const expiryChoices = () =>
  within(screen.getByLabelText('Expires after'))
    .getAllByRole('option')
    .map((option) => (option as HTMLOptionElement).value);

describe('describeLastUse / describeExpiry', () => {
  it('says never for an unused key, and names the address of the last use', () => {
    expect(describeLastUse(KEY)).toBe('never');
    expect(describeLastUse({ last_used_at: '2026-01-02T00:00:00.000Z', last_used_ip: '192.0.2.7' })).toMatch(/ from 192\.0\.2\.7$/);
    expect(describeExpiry(null)).toBe('Never expires');
    expect(describeExpiry('2026-01-01T00:00:00.000Z', Date.parse('2026-02-01T00:00:00.000Z'))).toMatch(/^Expired /);
    expect(describeExpiry('2026-03-01T00:00:00.000Z', Date.parse('2026-02-01T00:00:00.000Z'))).toMatch(/^Expires /);
  });
});

describe('ApiKeysSection', () => {
  it('lists keys with scope, prefix and "never" used', async () => {
    renderPage(<ApiKeysSection user={makeUser()} />, { path: '/', server: fakeKeysApi() });
    const list = await screen.findByRole('list', { name: 'Your API keys' });
    const item = within(list).getByRole('listitem');
    expect(item.textContent).toContain('backup script');
    expect(item.textContent).toContain('Read');
    expect(item.textContent).toContain('gh_abcdef12…');
    expect(item.textContent).toContain('Last used never');
  });

  it('offers the admin scope only to administrators', async () => {
    renderPage(<ApiKeysSection user={makeUser()} />, { path: '/', server: fakeKeysApi([]) });
    await screen.findByText('You have no API keys.');
    const scope = screen.getByLabelText('Access');
    expect(
      within(scope)
        .getAllByRole('option')
        .map((option) => (option as HTMLOptionElement).value),
    ).toEqual(['read', 'write']);
    cleanup();
    renderPage(<ApiKeysSection user={makeUser({ is_superuser: true })} />, { path: '/', server: fakeKeysApi([]) });
    await screen.findByText('You have no API keys.');
    expect(
      within(screen.getByLabelText('Access'))
        .getAllByRole('option')
        .map((option) => (option as HTMLOptionElement).value),
    ).toEqual(['read', 'write', 'admin']);
    expect(screen.getByLabelText<HTMLSelectElement>('Expires after').value).toBe('90');
  });

  it('creates a key, shows it once with a copy button and an example, then hides it', async () => {
    const writeText = jest.fn(async (_text: string) => undefined);
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    const rendered = renderPage(<ApiKeysSection user={makeUser()} />, { path: '/', server: fakeKeysApi([]) });
    await screen.findByText('You have no API keys.');
    fireEvent.change(screen.getByLabelText(/^Name/), { target: { value: 'media sync' } });
    fireEvent.change(screen.getByLabelText('Access'), { target: { value: 'write' } });
    fireEvent.change(screen.getByLabelText('Expires after'), { target: { value: '365' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create key' }));

    const field = await screen.findByLabelText<HTMLInputElement>('Your new API key');
    expect(field.value).toBe('gh_new00001_secretsecret');
    expect(field.readOnly).toBe(true);
    expect(screen.getByText(/You will not see it again/)).toBeTruthy();
    expect(screen.getByText(/^curl -H "Authorization: Bearer gh_new00001_secretsecret" http:\/\/localhost\/api\/v1\/users\/me$/)).toBeTruthy();
    expect(rendered.requests.find((r) => r.method === 'POST')?.body).toEqual({ name: 'media sync', scope: 'write', expires_in_days: 365 });

    fireEvent.click(screen.getByRole('button', { name: 'Copy' }));
    expect((await screen.findByText('Copied to the clipboard.')).getAttribute('role')).toBe('status');
    expect(writeText).toHaveBeenCalledWith('gh_new00001_secretsecret');

    // The list is fetched again and shows the new key; the secret goes once saved.
    await within(await screen.findByRole('list', { name: 'Your API keys' })).findByText('media sync', { exact: false });
    fireEvent.click(screen.getByRole('button', { name: 'I have saved it' }));
    expect(screen.queryByLabelText('Your new API key')).toBeNull();
    expect(screen.queryByText(/gh_new00001_secretsecret/)).toBeNull();
    expect(rendered.unhandled).toEqual([]);
  });

  it('offers no "Never" expiry where the server does not allow keys that never expire', async () => {
    renderPage(
      <>
        <MetadataLoaded />
        <ApiKeysSection user={makeUser()} />
      </>,
      { path: '/', server: fakeKeysApi([]) },
    );
    await screen.findByText('Metadata loaded');
    await screen.findByText('You have no API keys.');
    expect(expiryChoices()).toEqual(['30', '90', '365']);
    expect(screen.queryByRole('option', { name: 'Never' })).toBeNull();
  });

  it('offers "Never" where the server allows it, sends expires_in_days: null, and lists the key as never expiring', async () => {
    const rendered = renderPage(<ApiKeysSection user={makeUser()} />, { path: '/', server: fakeKeysApi([], { allowsNoExpiry: true }) });
    await screen.findByText('You have no API keys.');
    await screen.findByRole('option', { name: 'Never' });
    expect(expiryChoices()).toEqual(['30', '90', '365', 'never']);
    // Still 90 days unless chosen.
    expect(screen.getByLabelText<HTMLSelectElement>('Expires after').value).toBe('90');
    fireEvent.change(screen.getByLabelText(/^Name/), { target: { value: 'media server' } });
    fireEvent.change(screen.getByLabelText('Expires after'), { target: { value: 'never' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create key' }));

    await screen.findByLabelText('Your new API key');
    expect(rendered.requests.find((r) => r.method === 'POST')?.body).toEqual({ name: 'media server', scope: 'read', expires_in_days: null });
    const item = await within(await screen.findByRole('list', { name: 'Your API keys' })).findByText('media server', { exact: false });
    expect(item.closest('li')?.textContent).toContain('Never expires');
    expect(rendered.unhandled).toEqual([]);
  });

  it('shows the server’s refusal of a create', async () => {
    const server = (request: FakeRequest) =>
      request.method === 'POST'
        ? { status: 403, body: { detail: 'FORBIDDEN', message: 'Only administrators can make admin keys.' } }
        : fakeKeysApi([])(request);
    renderPage(<ApiKeysSection user={makeUser()} />, { path: '/', server });
    await screen.findByText('You have no API keys.');
    fireEvent.change(screen.getByLabelText(/^Name/), { target: { value: 'x' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create key' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Only administrators can make admin keys.');
  });

  it('renames a key, and revokes it only after confirming', async () => {
    const rendered = renderPage(<ApiKeysSection user={makeUser()} />, { path: '/', server: fakeKeysApi() });
    fireEvent.click(await screen.findByRole('button', { name: 'Rename backup script' }));
    const nameField = screen.getByLabelText('New name');
    fireEvent.change(nameField, { target: { value: 'nightly backup' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save name' }));
    expect(await screen.findByText('Renamed the key to “nightly backup”.')).toBeTruthy();
    expect(rendered.requests.find((r) => r.method === 'PATCH')).toEqual({
      method: 'PATCH',
      url: `/api/v1/users/me/api-keys/${KEY.id}`,
      body: { name: 'nightly backup' },
    });

    fireEvent.click(await screen.findByRole('button', { name: 'Revoke nightly backup' }));
    expect(rendered.requests.some((r) => r.method === 'DELETE')).toBe(false);
    const confirm = screen.getByRole('group', { name: 'Confirm revoking nightly backup' });
    fireEvent.click(within(confirm).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('group', { name: 'Confirm revoking nightly backup' })).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: 'Revoke nightly backup' }));
    fireEvent.click(screen.getByRole('button', { name: 'Yes, revoke nightly backup' }));
    expect(await screen.findByText('Revoked “nightly backup”: it no longer works.')).toBeTruthy();
    await screen.findByText('You have no API keys.');
    await waitFor(() =>
      expect(rendered.requests.filter((r) => r.method === 'DELETE').map((r) => r.url)).toEqual([`/api/v1/users/me/api-keys/${KEY.id}`]),
    );
    expect(rendered.unhandled).toEqual([]);
  });
});
