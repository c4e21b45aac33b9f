/** @jest-environment jsdom */
import { afterEach, describe, expect, it } from '@jest/globals';
import { cleanup, fireEvent, screen, within } from '@testing-library/react';
import type { LinkedAccountRead, SessionRead } from '@gatehouse/shared';
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
    const rendered = renderPage(<LinkedAccountsSection />, { path: '/', server });
    const region = await screen.findByRole('region', { name: 'Linked sign-in providers' });
    await within(region).findByText('ada@auth.example.com', { exact: false });
    expect(within(region).queryByRole('button', { name: 'Link Authentik' })).toBeNull();

    fireEvent.click(within(region).getByRole('button', { name: 'Unlink Authentik' }));
    expect((await within(region).findByRole('alert')).textContent).toBe('This is your only way to sign in.');

    fireEvent.click(within(region).getByRole('button', { name: 'Link Keycloak' }));
    expect((await within(region).findByText('Keycloak could not be reached.')).getAttribute('role')).toBe('alert');
    expect(rendered.requests.find((r) => r.method === 'POST')?.body).toEqual({ provider: 'Keycloak', returnTo: '/' });
  });

  it('listLinkableProviders leaves out the linked ones', () => {
    expect(listLinkableProviders([{ name: 'A' }, { name: 'B' }], [{ ...LINK, provider: 'A' }])).toEqual(['B']);
  });
});
