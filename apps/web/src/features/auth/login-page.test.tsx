/** @jest-environment jsdom */
import { afterEach, describe, expect, it } from '@jest/globals';
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import type { AuthMetadata } from '@gatehouse/shared';
import { renderPage, SIGNED_OUT, type FakeRequest } from '../../test-support/render-page';
import { LoginPage } from './login-page';

afterEach(cleanup);

const PROVIDER = {
  name: 'Authentik',
  button_text: 'Continue with Authentik',
  icon_url: '/icons/authentik.svg',
  auto_launch: false,
  authorize_url: '/api/v1/auth/cookie/Authentik/authorize?redirect=true',
  redirect_uri: 'http://localhost:8000/api/v1/auth/cookie/Authentik/callback',
};

function metadata(overrides: Partial<AuthMetadata> = {}): AuthMetadata {
  return {
    oauth_providers: [],
    oidc_providers: [],
    password_login_enabled: true,
    registration_enabled: false,
    email_password_resets: false,
    ...overrides,
  } as AuthMetadata;
}

function serve(options: AuthMetadata, onLogin?: (request: FakeRequest) => { status: number; body?: unknown }) {
  return (request: FakeRequest) => {
    if (request.url === '/api/v1/auth/metadata') return { status: 200, body: options };
    if (request.url === '/api/v1/users/me') return SIGNED_OUT;
    if (request.url === '/api/v1/auth/cookie/login' && onLogin) return onLogin(request);
    return undefined;
  };
}

describe('the sign-in page, built from GET /auth/metadata', () => {
  it('shows the password form and nothing optional by default', async () => {
    renderPage(<LoginPage />, { path: '/login', server: serve(metadata()) });
    await screen.findByLabelText('Email');
    expect(screen.getByLabelText('Password')).toBeTruthy();
    expect(screen.queryByRole('link', { name: 'Create account' })).toBeNull();
    expect(screen.queryByRole('link', { name: 'Forgot your password?' })).toBeNull();
  });

  it('offers register and forgot-password links only when the server enables them', async () => {
    renderPage(<LoginPage />, {
      path: '/login',
      server: serve(metadata({ registration_enabled: true, email_password_resets: true })),
    });
    expect((await screen.findByRole('link', { name: 'Create account' })).getAttribute('href')).toBe('/register');
    expect(screen.getByRole('link', { name: 'Forgot your password?' }).getAttribute('href')).toBe('/forgot-password');
  });

  it('renders one button per provider with its text and icon, and hides the form when password login is off', async () => {
    renderPage(<LoginPage />, {
      path: '/login?returnTo=%2Fadmin%2Fusers',
      server: serve(metadata({ password_login_enabled: false, oidc_providers: [PROVIDER] })),
    });
    const button = await screen.findByRole('link', { name: 'Continue with Authentik' });
    expect(button.getAttribute('href')).toBe(`${PROVIDER.authorize_url}&returnTo=%2Fadmin%2Fusers`);
    expect(button.querySelector('img')?.getAttribute('src')).toBe('/icons/authentik.svg');
    expect(screen.queryByLabelText('Password')).toBeNull();
  });

  it('shows the message for an OIDC error code, never the text of the address', async () => {
    renderPage(<LoginPage />, { path: '/login?oidc_error=OIDC_ALREADY_LINKED', server: serve(metadata()) });
    expect((await screen.findByRole('alert')).textContent).toMatch(/already linked to another account/);
    cleanup();
    renderPage(<LoginPage />, { path: '/login?oidc_error=%3Cscript%3Ex', server: serve(metadata()) });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toMatch(/Sign-in with the identity provider failed/);
    expect(alert.textContent).not.toContain('script');
  });

  it('auto-launch takes over the page, except with ?local=1', async () => {
    const options = metadata({ oidc_providers: [{ ...PROVIDER, auto_launch: true }] });
    renderPage(<LoginPage />, { path: '/login', server: serve(options) });
    await screen.findByText('Taking you to Authentik…');
    expect(screen.getByRole('link', { name: 'Sign in another way' }).getAttribute('href')).toBe('login?local=1'); // relative: resolves under the <base href> of a sub-path
    cleanup();
    renderPage(<LoginPage />, { path: '/login?local=1', server: serve(options) });
    await screen.findByLabelText('Email');
    expect(screen.queryByText('Taking you to Authentik…')).toBeNull();
  });

  it('disables the button while signing in, announces a refusal, and sends what was typed', async () => {
    let answer: (value: { status: number; body?: unknown }) => void = () => undefined;
    const page = renderPage(<LoginPage />, {
      path: '/login',
      server: serve(metadata(), () => new Promise((resolve) => (answer = resolve)) as never),
    });
    fireEvent.change(await screen.findByLabelText('Email'), { target: { value: ' ada@example.com ' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: ' secret words ' } });
    const button = screen.getByRole<HTMLButtonElement>('button', { name: 'Sign in' });
    fireEvent.click(button);
    await waitFor(() => expect(button.disabled).toBe(true));
    expect(page.requests.find((r) => r.url === '/api/v1/auth/cookie/login')?.body).toEqual({
      username: 'ada@example.com',
      password: ' secret words ',
    });
    answer({ status: 400, body: { detail: 'LOGIN_BAD_CREDENTIALS', message: 'Wrong email or password.' } });
    expect((await screen.findByRole('alert')).textContent).toBe('Wrong email or password.');
    expect(button.disabled).toBe(false);
  });
});
