/** @jest-environment jsdom */
import { afterEach, describe, expect, it } from '@jest/globals';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import type { LinkedAccountRead, SessionRead, UserRead } from '@gatehouse/shared';
import { renderPage, type FakeRequest } from '../../test-support/render-page';
import { LinkedAccountsSection, listLinkableProviders } from './linked-accounts-section';
import { SessionsSection } from './sessions-section';

afterEach(cleanup);

function session(id: string, isCurrent: boolean): SessionRead {
  return {
    id,
    transport: 'cookie',
    auth_method: 'password',
    user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0',
    ip_address: '127.0.0.1',
    created_at: '2026-01-01T00:00:00.000Z',
    last_seen_at: '2026-01-02T00:00:00.000Z',
    expires_at: '2026-01-03T00:00:00.000Z',
    is_current: isCurrent,
  };
}

describe('SessionsSection', () => {
  it('signs out every other session with one button and says how many', async () => {
    let sessions = [session('a', true), session('b', false), session('c', false)];
    const server = (request: FakeRequest) => {
      if (request.method === 'GET' && request.url === '/api/v1/users/me/sessions') return { status: 200, body: sessions };
      if (request.method === 'DELETE' && request.url === '/api/v1/users/me/sessions') {
        sessions = sessions.filter((s) => s.is_current);
        return { status: 200, body: { revoked: 2 } };
      }
      return undefined;
    };
    const rendered = renderPage(<SessionsSection />, { path: '/', server });
    fireEvent.click(await screen.findByRole('button', { name: 'Sign out all other sessions' }));
    expect((await screen.findByText('Signed out 2 other sessions.')).getAttribute('role')).toBe('status');
    // The list is fetched again, and the button goes once no other session is left.
    await screen.findByRole('button', { name: /this device/ });
    expect(await screen.findAllByRole('listitem')).toHaveLength(1);
    expect(screen.queryByRole('button', { name: 'Sign out all other sessions' })).toBeNull();
    expect(rendered.unhandled).toEqual([]);
  });
});

const LINK: LinkedAccountRead = {
  id: '9c1f2e90-0000-4000-8000-000000000001',
  provider: 'Authentik',
  issuer: 'https://auth.example.com',
  email: 'ada@auth.example.com',
  created_at: '2026-01-01T00:00:00.000Z',
  last_login_at: null,
};

const USER: UserRead = {
  id: '9c1f2e90-0000-4000-8000-0000000000aa',
  email: 'ada@example.com',
  is_active: true,
  is_superuser: false,
  is_verified: true,
  email_verified_at: '2026-01-01T00:00:00.000Z',
  pending_email: null,
  username: null,
  display_name: null,
  has_password: true,
  has_second_factor: false,
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
};

const REAUTH_REQUIRED = {
  status: 403,
  body: { detail: 'REAUTHENTICATION_REQUIRED', message: 'Confirm it is you: sign in again first.' },
};

describe('LinkedAccountsSection', () => {
  const provider = (name: string) => ({
    name,
    button_text: `Sign in with ${name}`,
    icon_url: '',
    auto_launch: false,
    authorize_url: `/api/v1/auth/cookie/${name}/authorize?redirect=true`,
    redirect_uri: `http://localhost:8000/api/v1/auth/cookie/${name}/callback`,
  });

  it('lists links with an unlink button, and offers the providers not linked yet', async () => {
    const server = (request: FakeRequest) => {
      if (request.url === '/api/v1/auth/metadata') {
        return {
          status: 200,
          body: {
            oauth_providers: ['Authentik', 'Keycloak'],
            oidc_providers: [provider('Authentik'), provider('Keycloak')],
            password_login_enabled: true,
            registration_enabled: false,
            email_password_resets: false,
          },
        };
      }
      if (request.method === 'GET' && request.url === '/api/v1/users/me/linked-accounts') return { status: 200, body: [LINK] };
      if (request.method === 'DELETE') {
        return { status: 409, body: { detail: 'LAST_SIGN_IN_METHOD', message: 'This is your only way to sign in.' } };
      }
      if (request.method === 'POST' && request.url === '/api/v1/users/me/linked-accounts') {
        return { status: 502, body: { detail: 'OIDC_PROVIDER_UNREACHABLE', message: 'Keycloak could not be reached.' } };
      }
      return undefined;
    };
    const rendered = renderPage(<LinkedAccountsSection user={USER} />, { path: '/', server });
    const region = await screen.findByRole('region', { name: 'Linked sign-in providers' });
    await within(region).findByText('ada@auth.example.com', { exact: false });
    expect(within(region).queryByRole('button', { name: 'Link Authentik' })).toBeNull();

    fireEvent.click(within(region).getByRole('button', { name: 'Unlink Authentik' }));
    expect((await within(region).findByRole('alert')).textContent).toBe('This is your only way to sign in.');

    fireEvent.click(within(region).getByRole('button', { name: 'Link Keycloak' }));
    expect((await within(region).findByText('Keycloak could not be reached.')).getAttribute('role')).toBe('alert');
    expect(rendered.requests.find((r) => r.method === 'POST')?.body).toEqual({ provider: 'Keycloak', returnTo: '/' });
  });

  function metadataWith(...names: string[]) {
    return {
      status: 200,
      body: {
        oauth_providers: names,
        oidc_providers: names.map(provider),
        password_login_enabled: true,
        registration_enabled: false,
        email_password_resets: false,
      },
    };
  }

  it('asks for the password when the sign-in is too old, then unlinks; a wrong password is named and changes nothing', async () => {
    let links = [LINK, { ...LINK, id: '9c1f2e90-0000-4000-8000-000000000002', provider: 'Keycloak' }];
    let confirmed = false;
    const server = (request: FakeRequest) => {
      if (request.url === '/api/v1/auth/metadata') return metadataWith('Authentik', 'Keycloak');
      if (request.method === 'GET' && request.url === '/api/v1/users/me/linked-accounts') return { status: 200, body: links };
      if (request.method === 'POST' && request.url === '/api/v1/users/me/reauthenticate') {
        const body = request.body as { current_password?: string };
        if (body.current_password !== 'right password') {
          return { status: 400, body: { detail: 'CURRENT_PASSWORD_INVALID', message: 'The current password is wrong.' } };
        }
        confirmed = true;
        return { status: 200, body: { authorization_url: null } };
      }
      if (request.method === 'DELETE' && request.url === `/api/v1/users/me/linked-accounts/${LINK.id}`) {
        if (!confirmed) return REAUTH_REQUIRED;
        links = links.filter((link) => link.id !== LINK.id);
        return { status: 204 };
      }
      return undefined;
    };
    const rendered = renderPage(<LinkedAccountsSection user={USER} />, { path: '/', server });
    const region = await screen.findByRole('region', { name: 'Linked sign-in providers' });
    fireEvent.click(await within(region).findByRole('button', { name: 'Unlink Authentik' }));

    const prompt = await within(region).findByRole('group', { name: 'Confirm it is you' });
    // The refusal is not shown as a failure: the prompt is the answer.
    expect(within(region).queryByRole('alert')).toBeNull();
    fireEvent.change(within(prompt).getByLabelText('Current password'), { target: { value: 'wrong password' } });
    fireEvent.click(within(prompt).getByRole('button', { name: 'Confirm' }));
    expect((await within(prompt).findByRole('alert')).textContent).toBe('The current password is wrong.');
    expect(links).toHaveLength(2);

    fireEvent.change(within(prompt).getByLabelText('Current password'), { target: { value: 'right password' } });
    fireEvent.click(within(prompt).getByRole('button', { name: 'Confirm' }));
    // Confirmed: the unlink asked for is repeated, without a second click, and the prompt goes.
    await waitFor(() => expect(within(region).queryByRole('button', { name: 'Unlink Authentik' })).toBeNull());
    expect(within(region).queryByRole('group', { name: 'Confirm it is you' })).toBeNull();
    const deletes = rendered.requests.filter((r) => r.method === 'DELETE');
    expect(deletes).toHaveLength(2);
    expect(rendered.requests.filter((r) => r.url === '/api/v1/users/me/reauthenticate').map((r) => r.body)).toEqual([
      { current_password: 'wrong password' },
      { current_password: 'right password' },
    ]);
    expect(rendered.unhandled).toEqual([]);
  });

  it('offers an account without a password a fresh sign-in at its linked providers, and cancelling puts the list back', async () => {
    const providerPage = `${window.location.origin}/#at-the-provider`;
    const server = (request: FakeRequest) => {
      if (request.url === '/api/v1/auth/metadata') return metadataWith('Authentik', 'Keycloak');
      if (request.method === 'GET' && request.url === '/api/v1/users/me/linked-accounts') return { status: 200, body: [LINK] };
      if (request.method === 'POST' && request.url === '/api/v1/users/me/linked-accounts') return REAUTH_REQUIRED;
      if (request.method === 'POST' && request.url === '/api/v1/users/me/reauthenticate') {
        return { status: 200, body: { authorization_url: providerPage } };
      }
      return undefined;
    };
    const rendered = renderPage(<LinkedAccountsSection user={{ ...USER, has_password: false }} />, { path: '/', server });
    const region = await screen.findByRole('region', { name: 'Linked sign-in providers' });
    fireEvent.click(await within(region).findByRole('button', { name: 'Link Keycloak' }));
    let prompt = await within(region).findByRole('group', { name: 'Confirm it is you' });
    expect(within(prompt).queryByLabelText('Current password')).toBeNull();

    fireEvent.click(within(prompt).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(within(region).queryByRole('group', { name: 'Confirm it is you' })).toBeNull());
    expect(within(region).queryByRole('alert')).toBeNull();

    fireEvent.click(within(region).getByRole('button', { name: 'Link Keycloak' }));
    prompt = await within(region).findByRole('group', { name: 'Confirm it is you' });
    fireEvent.click(within(prompt).getByRole('button', { name: 'Sign in again with Authentik' }));
    await waitFor(() => expect(window.location.hash).toBe('#at-the-provider'));
    expect(rendered.requests.filter((r) => r.url === '/api/v1/users/me/reauthenticate').map((r) => r.body)).toEqual([
      { provider: 'Authentik', returnTo: '/' },
    ]);
    expect(rendered.unhandled).toEqual([]);
  });

  it('listLinkableProviders leaves out the linked ones', () => {
    expect(listLinkableProviders([{ name: 'A' }, { name: 'B' }], [{ ...LINK, provider: 'A' }])).toEqual(['B']);
  });
});
