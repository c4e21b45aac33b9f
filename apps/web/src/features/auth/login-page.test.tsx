/** @jest-environment jsdom */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import type { AuthMetadata } from '@gatehouse/shared';
import { base64url, decodeBuffer, FAKE_CREDENTIAL_ID, installFakeWebauthn, type FakeWebauthn } from '../../test-support/fake-webauthn';
import { renderPage, SIGNED_OUT, type FakeAnswer, type FakeRequest } from '../../test-support/render-page';
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

const secondFactorRequired = (methods: readonly string[]) => ({
  status: 401,
  body: {
    detail: 'SECOND_FACTOR_REQUIRED',
    message: 'Enter the code from your authenticator app (or a recovery code) to finish signing in.',
    second_factor: { methods, expires_in: 300 },
  },
});

/**
 * The server of a sign-in with a second factor: the password answers SECOND_FACTOR_REQUIRED with
 * the account's `methods`, and each code (or passkey) is judged by `judge` (204 signs in; after
 * that, /users/me knows the person).
 */
function serveTwoSteps(
  options: AuthMetadata,
  judge: (body: unknown) => { status: number; body?: unknown },
  methods: readonly string[] = ['totp', 'recovery_code'],
) {
  let isSignedIn = false;
  return (request: FakeRequest) => {
    if (request.url === '/api/v1/auth/metadata') return { status: 200, body: options };
    if (request.url === '/api/v1/users/me') return isSignedIn ? { status: 200, body: makeUser() } : SIGNED_OUT;
    if (request.url === '/api/v1/auth/cookie/login') return secondFactorRequired(methods);
    if (request.url === '/api/v1/auth/cookie/login/second-factor/options') {
      return {
        status: 200,
        body: {
          challenge: base64url('second-step'),
          allowCredentials: [{ id: FAKE_CREDENTIAL_ID, type: 'public-key' }],
          userVerification: 'required',
        },
      };
    }
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

/** What the browser answers for the fake authenticator's passkey, as the page sends it on. */
const PASSKEY_ANSWER = {
  id: FAKE_CREDENTIAL_ID,
  rawId: FAKE_CREDENTIAL_ID,
  type: 'public-key',
  authenticatorAttachment: 'platform',
  clientExtensionResults: {},
  response: {
    authenticatorData: base64url('authenticator-data'),
    clientDataJSON: base64url('{"type":"webauthn.get"}'),
    signature: base64url('signature'),
    userHandle: base64url('user-handle'),
  },
};

describe('passkeys in the second step', () => {
  let webauthn: FakeWebauthn;
  beforeEach(() => {
    webauthn = installFakeWebauthn();
  });
  afterEach(() => webauthn.uninstall());

  it('asks an account with passkeys only for one of them: no code field', async () => {
    const page = renderPage(<LoginPage />, {
      path: '/login?returnTo=%2Fadmin%2Fusers',
      server: serveTwoSteps(metadata({ passkeys_enabled: true }), () => ({ status: 204 }), ['webauthn']),
    });
    await signInWithPassword();
    fireEvent.click(await screen.findByRole('button', { name: 'Use a passkey' }));
    await waitFor(() => expect(page.history.at(-1)).toBe('/admin/users'));
    expect(screen.queryByLabelText('Authentication code')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Use a recovery code instead' })).toBeNull();
    // The browser offers only the account's passkeys, named by the options of the pending sign-in.
    const [prompt] = webauthn.requests;
    expect(prompt?.mediation).toBeUndefined();
    expect(decodeBuffer(prompt?.publicKey.challenge)).toBe('second-step');
    expect((prompt?.publicKey.allowCredentials as { id: ArrayBuffer }[]).map((credential) => decodeBuffer(credential.id))).toEqual(['passkey-1']);
    expect(codeRequests(page).map((r) => r.body)).toEqual([{ webauthn: PASSKEY_ANSWER }]);
    expect(page.unhandled).toEqual([]);
  });

  it('offers both to an account with an app and passkeys, and only the code to one without passkeys', async () => {
    renderPage(<LoginPage />, {
      path: '/login',
      server: serveTwoSteps(metadata({ passkeys_enabled: true }), () => ({ status: 204 }), ['totp', 'recovery_code', 'webauthn']),
    });
    await signInWithPassword();
    await screen.findByLabelText('Authentication code');
    expect(screen.getByRole('button', { name: 'Use a passkey' })).toBeTruthy();
    cleanup();
    renderPage(<LoginPage />, { path: '/login', server: serveTwoSteps(metadata({ passkeys_enabled: true }), () => ({ status: 204 })) });
    await signInWithPassword();
    await screen.findByLabelText('Authentication code');
    expect(screen.queryByRole('button', { name: 'Use a passkey' })).toBeNull();
  });

  it('offers both after single sign-on, which does not say what the account has', async () => {
    const page = renderPage(<LoginPage />, {
      path: '/login?second_factor=1',
      server: serveTwoSteps(metadata({ passkeys_enabled: true }), () => ({ status: 204 })),
    });
    await screen.findByLabelText('Authentication code');
    fireEvent.click(screen.getByRole('button', { name: 'Use a passkey' }));
    await waitFor(() => expect(page.history.at(-1)).toBe('/'));
    expect(codeRequests(page).map((r) => r.body)).toEqual([{ webauthn: PASSKEY_ANSWER }]);
  });

  it('says so when the browser’s prompt was closed, and the code still works', async () => {
    const page = renderPage(<LoginPage />, {
      path: '/login',
      server: serveTwoSteps(metadata({ passkeys_enabled: true }), () => ({ status: 204 }), ['totp', 'recovery_code', 'webauthn']),
    });
    await signInWithPassword();
    webauthn.nextOutcome = 'NotAllowedError';
    fireEvent.click(await screen.findByRole('button', { name: 'Use a passkey' }));
    expect((await screen.findByRole('alert')).textContent).toBe('No passkey was used: the request was cancelled or timed out.');
    fireEvent.change(screen.getByLabelText('Authentication code'), { target: { value: '123456' } });
    fireEvent.click(screen.getByRole('button', { name: 'Verify' }));
    await waitFor(() => expect(page.history.at(-1)).toBe('/'));
    expect(codeRequests(page).map((r) => r.body)).toEqual([{ code: '123456' }]);
  });
});

/**
 * The server of passkey sign-ins: each POST /auth/passkey/options a new challenge ("challenge-1",
 * "challenge-2"…), each answer judged by `judge` (204 signs in), passwords by `onLogin`.
 */
function servePasskeys(
  options: AuthMetadata,
  judge: (body: unknown) => FakeAnswer = () => ({ status: 204 }),
  onLogin: (request: FakeRequest) => FakeAnswer = () => ({
    status: 400,
    body: { detail: 'LOGIN_BAD_CREDENTIALS', message: 'Wrong email or password.' },
  }),
) {
  let isSignedIn = false;
  let challenges = 0;
  return (request: FakeRequest): FakeAnswer | undefined => {
    if (request.url === '/api/v1/auth/metadata') return { status: 200, body: options };
    if (request.url === '/api/v1/users/me') return isSignedIn ? { status: 200, body: makeUser() } : SIGNED_OUT;
    if (request.url === '/api/v1/auth/passkey/options') {
      challenges += 1;
      return {
        status: 200,
        body: { challenge: base64url(`challenge-${challenges}`), allowCredentials: [], userVerification: 'required', timeout: 300000 },
      };
    }
    if (request.url === '/api/v1/auth/passkey/login') {
      const answer = judge(request.body);
      isSignedIn = answer.status === 204;
      return answer;
    }
    if (request.url === '/api/v1/auth/cookie/login') return onLogin(request);
    return undefined;
  };
}

const optionRequests = (page: { requests: FakeRequest[] }) => page.requests.filter((r) => r.url === '/api/v1/auth/passkey/options');
const passkeyLogins = (page: { requests: FakeRequest[] }) => page.requests.filter((r) => r.url === '/api/v1/auth/passkey/login');

describe('signing in with a passkey', () => {
  let webauthn: FakeWebauthn | undefined;
  afterEach(() => webauthn?.uninstall());

  it('"Sign in with a passkey": no email typed, the browser offers any passkey of this site, and no second step follows', async () => {
    webauthn = installFakeWebauthn();
    const page = renderPage(<LoginPage />, { path: '/login?returnTo=%2Fadmin%2Fusers', server: servePasskeys(metadata({ passkeys_enabled: true })) });
    // The email field would list passkeys in its autofill, where the browser does that.
    expect((await screen.findByLabelText('Email')).getAttribute('autocomplete')).toBe('username webauthn');
    fireEvent.click(screen.getByRole('button', { name: 'Sign in with a passkey' }));
    await waitFor(() => expect(page.history.at(-1)).toBe('/admin/users'));

    // This browser does not offer passkeys in autofill: the one request is the button's prompt.
    expect(webauthn.requests).toHaveLength(1);
    const [prompt] = webauthn.requests;
    expect(prompt?.mediation).toBeUndefined();
    expect(decodeBuffer(prompt?.publicKey.challenge)).toBe('challenge-1');
    expect(prompt?.publicKey.userVerification).toBe('required');
    // Discoverable: no list of allowed passkeys, the browser offers whichever it holds for the site.
    expect(prompt?.publicKey.allowCredentials).toBeUndefined();
    expect(passkeyLogins(page).map((r) => r.body)).toEqual([{ response: PASSKEY_ANSWER }]);
    expect(page.requests.some((r) => r.url === '/api/v1/auth/cookie/login/second-factor')).toBe(false);
    expect(page.unhandled).toEqual([]);
  });

  it('shows no passkey control where the server has passkeys off, or the browser has none', async () => {
    webauthn = installFakeWebauthn({ autofill: true });
    const page = renderPage(<LoginPage />, { path: '/login', server: servePasskeys(metadata({ passkeys_enabled: false })) });
    expect((await screen.findByLabelText('Email')).getAttribute('autocomplete')).toBe('username');
    expect(screen.queryByRole('button', { name: 'Sign in with a passkey' })).toBeNull();
    webauthn.uninstall();
    cleanup();
    renderPage(<LoginPage />, { path: '/login', server: servePasskeys(metadata({ passkeys_enabled: true })) });
    expect((await screen.findByLabelText('Email')).getAttribute('autocomplete')).toBe('username');
    expect(screen.queryByRole('button', { name: 'Sign in with a passkey' })).toBeNull();
    expect(optionRequests(page)).toEqual([]);
    expect(webauthn.requests).toEqual([]);
  });

  it('offers passkeys in the email field’s autofill where the browser can: picking one there signs in', async () => {
    webauthn = installFakeWebauthn({ autofill: true });
    const page = renderPage(<LoginPage />, { path: '/login', server: servePasskeys(metadata({ passkeys_enabled: true })) });
    await waitFor(() => expect(webauthn?.pending()).toHaveLength(1));
    const [waiting] = webauthn.requests;
    expect(waiting?.mediation).toBe('conditional');
    expect(decodeBuffer(waiting?.publicKey.challenge)).toBe('challenge-1');
    expect(waiting?.publicKey.allowCredentials).toEqual([]);

    webauthn.pickInAutofill();
    await waitFor(() => expect(page.history.at(-1)).toBe('/'));
    expect(passkeyLogins(page).map((r) => r.body)).toEqual([{ response: PASSKEY_ANSWER }]);
    expect(optionRequests(page)).toHaveLength(1);
  });

  it('aborts the autofill request when the person uses the button or the password, and waits again after a failure', async () => {
    webauthn = installFakeWebauthn({ autofill: true });
    const page = renderPage(<LoginPage />, { path: '/login', server: servePasskeys(metadata({ passkeys_enabled: true })) });
    await waitFor(() => expect(webauthn?.pending()).toHaveLength(1));
    const conditional = () => webauthn?.requests.filter((request) => request.mediation === 'conditional') ?? [];

    // The button: the autofill request ends first, then the browser's prompt, which the person closes.
    webauthn.nextOutcome = 'NotAllowedError';
    fireEvent.click(screen.getByRole('button', { name: 'Sign in with a passkey' }));
    expect((await screen.findByRole('alert')).textContent).toBe('No passkey was used: the request was cancelled or timed out.');
    expect(conditional()[0]?.signal?.aborted).toBe(true);
    expect(webauthn.requests[1]?.mediation).toBeUndefined();
    // The page waits for the person again: a new autofill request, with a new challenge.
    await waitFor(() => expect(conditional()).toHaveLength(2));
    expect(decodeBuffer(conditional()[1]?.publicKey.challenge)).toBe('challenge-3');

    // The password form: the autofill request ends as it is sent; it fails, and the page waits again.
    fireEvent.change(screen.getByLabelText('Email'), { target: { value: 'ada@example.com' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'wrong words' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    await screen.findByText('Wrong email or password.');
    expect(conditional()[1]?.signal?.aborted).toBe(true);
    await waitFor(() => expect(conditional()).toHaveLength(3));
    expect(webauthn.pending()).toHaveLength(1);
    expect(passkeyLogins(page)).toEqual([]);
  });

  it('explains a passkey the server refuses, and offers autofill again', async () => {
    webauthn = installFakeWebauthn({ autofill: true });
    const refused = 'This passkey could not be verified. Try again, or sign in another way.';
    const page = renderPage(<LoginPage />, {
      path: '/login',
      server: servePasskeys(metadata({ passkeys_enabled: true }), () => ({ status: 400, body: { detail: 'PASSKEY_INVALID', message: refused } })),
    });
    await waitFor(() => expect(webauthn?.pending()).toHaveLength(1));
    webauthn.pickInAutofill();
    expect((await screen.findByRole('alert')).textContent).toBe(refused);
    await waitFor(() => expect(webauthn?.pending()).toHaveLength(1));
    expect(webauthn.requests).toHaveLength(2);
    expect(passkeyLogins(page)).toHaveLength(1);
    expect(page.history).toEqual(['/login']);
  });
});
