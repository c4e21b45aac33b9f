/** @jest-environment jsdom */
import { afterEach, describe, expect, it } from '@jest/globals';
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import type { AuthMetadata } from '@gatehouse/shared';
import { renderPage, SIGNED_OUT, type FakeRequest } from '../../test-support/render-page';
import { makeUser } from '../../test-support/users';
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

const SECOND_FACTOR_REQUIRED = {
  status: 401,
  body: {
    detail: 'SECOND_FACTOR_REQUIRED',
    message: 'Enter the code from your authenticator app (or a recovery code) to finish signing in.',
    second_factor: { methods: ['totp', 'recovery_code'], expires_in: 300 },
  },
};

/**
 * The server of a sign-in with a second factor: the password answers SECOND_FACTOR_REQUIRED, and
 * each code is judged by `judge` (204 signs in; after that, /users/me knows the person).
 */
function serveTwoSteps(options: AuthMetadata, judge: (body: unknown) => { status: number; body?: unknown }) {
  let isSignedIn = false;
  return (request: FakeRequest) => {
    if (request.url === '/api/v1/auth/metadata') return { status: 200, body: options };
    if (request.url === '/api/v1/users/me') return isSignedIn ? { status: 200, body: makeUser() } : SIGNED_OUT;
    if (request.url === '/api/v1/auth/cookie/login') return SECOND_FACTOR_REQUIRED;
    if (request.url === '/api/v1/auth/cookie/login/second-factor') {
      const answer = judge(request.body);
      isSignedIn = answer.status === 204;
      return answer;
    }
    return undefined;
  };
}

async function signInWithPassword() {
  fireEvent.change(await screen.findByLabelText('Email'), { target: { value: 'ada@example.com' } });
  fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'secret words' } });
  fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
}

const codeRequests = (page: { requests: FakeRequest[] }) => page.requests.filter((r) => r.url === '/api/v1/auth/cookie/login/second-factor');

describe('the second step of signing in', () => {
  it('asks for the code after a correct password; a wrong one is explained and tried again; the right one signs in to returnTo', async () => {
    const page = renderPage(<LoginPage />, {
      path: '/login?returnTo=%2Fadmin%2Fusers',
      server: serveTwoSteps(metadata(), (body) =>
        (body as { code: string }).code.replace(/\s/g, '') === '654321'
          ? { status: 204 }
          : {
              status: 400,
              body: { detail: 'SECOND_FACTOR_INVALID', message: 'That code is not correct (or was already used). Try the current one.' },
            },
      ),
    });
    await signInWithPassword();
    const code = await screen.findByLabelText<HTMLInputElement>('Authentication code');
    // Phones show a number pad, and browsers offer a code that arrived by message.
    expect([code.getAttribute('autocomplete'), code.getAttribute('inputmode')]).toEqual(['one-time-code', 'numeric']);
    expect(screen.queryByLabelText('Password')).toBeNull();
    expect(screen.queryByRole('alert')).toBeNull();

    fireEvent.change(code, { target: { value: '123456' } });
    fireEvent.click(screen.getByRole('button', { name: 'Verify' }));
    expect((await screen.findByRole('alert')).textContent).toBe('That code is not correct (or was already used). Try the current one.');
    expect(page.history.at(-1)).toBe('/login?returnTo=%2Fadmin%2Fusers');

    fireEvent.change(screen.getByLabelText('Authentication code'), { target: { value: '654 321' } });
    fireEvent.click(screen.getByRole('button', { name: 'Verify' }));
    await waitFor(() => expect(page.history.at(-1)).toBe('/admin/users'));
    expect(codeRequests(page).map((r) => r.body)).toEqual([{ code: '123456' }, { code: '654 321' }]);
    expect(page.unhandled).toEqual([]);
  });

  it('checks that a code has six digits before sending it', async () => {
    const page = renderPage(<LoginPage />, { path: '/login', server: serveTwoSteps(metadata(), () => ({ status: 204 })) });
    await signInWithPassword();
    fireEvent.change(await screen.findByLabelText('Authentication code'), { target: { value: '12345' } });
    fireEvent.click(screen.getByRole('button', { name: 'Verify' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Enter the 6 digits your authenticator app shows.');
    expect(codeRequests(page)).toEqual([]);
  });

  it('takes a recovery code instead, when asked to, and back', async () => {
    const page = renderPage(<LoginPage />, { path: '/login', server: serveTwoSteps(metadata(), () => ({ status: 204 })) });
    await signInWithPassword();
    fireEvent.click(await screen.findByRole('button', { name: 'Use a recovery code instead' }));
    expect(screen.queryByLabelText('Authentication code')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Use your authenticator app instead' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Use a recovery code instead' }));
    fireEvent.change(screen.getByLabelText('Recovery code'), { target: { value: ' abcde-fghij ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Verify' }));
    await waitFor(() => expect(page.history.at(-1)).toBe('/'));
    expect(codeRequests(page).map((r) => r.body)).toEqual([{ recovery_code: 'abcde-fghij' }]);
  });

  it('goes back to the password form, saying why, when the sign-in has expired', async () => {
    const expired = 'This sign-in has expired or was already used. Sign in again with your password.';
    renderPage(<LoginPage />, {
      path: '/login',
      server: serveTwoSteps(metadata(), () => ({ status: 401, body: { detail: 'SECOND_FACTOR_EXPIRED', message: expired } })),
    });
    await signInWithPassword();
    fireEvent.change(await screen.findByLabelText('Authentication code'), { target: { value: '123456' } });
    fireEvent.click(screen.getByRole('button', { name: 'Verify' }));
    expect((await screen.findByRole('alert')).textContent).toBe(expired);
    expect(screen.getByLabelText('Password')).toBeTruthy();
    expect(screen.queryByLabelText('Authentication code')).toBeNull();
  });

  it('shows the code step at once after an identity provider asked for it (?second_factor=1), without auto-launching again', async () => {
    const before = window.location.href;
    const page = renderPage(<LoginPage />, {
      path: '/login?second_factor=1&returnTo=%2Fadmin%2Factivity',
      server: serveTwoSteps(metadata({ oidc_providers: [{ ...PROVIDER, auto_launch: true }] }), () => ({ status: 204 })),
    });
    fireEvent.change(await screen.findByLabelText('Authentication code'), { target: { value: '123456' } });
    expect(screen.queryByText('Taking you to Authentik…')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Verify' }));
    await waitFor(() => expect(page.history.at(-1)).toBe('/admin/activity'));
    expect(window.location.href).toBe(before);
    expect(page.requests.some((r) => r.url === '/api/v1/auth/cookie/login')).toBe(false);
  });
});
