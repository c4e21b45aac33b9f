/** @jest-environment jsdom */
import { afterEach, describe, expect, it } from '@jest/globals';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { useQuery } from '@tanstack/react-query';
import { Route, Routes } from 'react-router-dom';
import type { SecondFactorStatus, UserRead } from '@gatehouse/shared';
import { useApi } from '../api/api-context';
import { base64url, installFakeWebauthn } from '../test-support/fake-webauthn';
import { renderPage, SIGNED_OUT, type FakeAnswer, type FakeRequest } from '../test-support/render-page';
import { makeSecondFactorStatus, makeUser } from '../test-support/users';
import { RequireAuth } from './require-auth';

afterEach(cleanup);

// As in the app, /login is another route: the guard is gone once it has sent the visitor there.
const page = (
  <Routes>
    <Route path="/login" element={<h1>Sign in</h1>} />
    <Route
      path="*"
      element={
        <RequireAuth>
          <h1>Secret page</h1>
        </RequireAuth>
      }
    />
  </Routes>
);

/**
 * A signed-in session: GET /users/me and /users/me/second-factor, the server's options (passkeys
 * off unless `passkeysEnabled`), then `more` for anything else.
 */
function signedIn(
  user: UserRead,
  status: () => SecondFactorStatus,
  more: (request: FakeRequest) => FakeAnswer | undefined = () => undefined,
  passkeysEnabled = false,
) {
  return (request: FakeRequest): FakeAnswer | undefined => {
    if (request.method === 'GET' && request.url === '/api/v1/users/me') return { status: 200, body: user };
    if (request.method === 'GET' && request.url === '/api/v1/users/me/second-factor') return { status: 200, body: status() };
    if (request.method === 'GET' && request.url === '/api/v1/auth/metadata') {
      return { status: 200, body: { oidc_providers: [], password_login_enabled: true, passkeys_enabled: passkeysEnabled } };
    }
    return more(request);
  };
}

describe('RequireAuth', () => {
  it('shows nothing of the page while it asks who is signed in', async () => {
    let answer: () => void = () => undefined;
    const noSecondFactor = signedIn(makeUser(), makeSecondFactorStatus);
    renderPage(page, {
      path: '/admin/users',
      server: (request) =>
        request.url === '/api/v1/users/me' ? new Promise((resolve) => (answer = () => resolve(noSecondFactor(request)))) : noSecondFactor(request),
    });
    expect(screen.getByRole('status').textContent).toBe('Loading…');
    expect(screen.queryByRole('heading', { name: 'Secret page' })).toBeNull();
    answer();
    await screen.findByRole('heading', { name: 'Secret page' });
  });

  it('sends a signed-out visitor to sign in, and back here afterwards', async () => {
    const rendered = renderPage(page, { path: '/admin/users?q=ada&page=2', server: () => SIGNED_OUT });
    await waitFor(() => expect(rendered.history.at(-1)).toBe('/login?returnTo=%2Fadmin%2Fusers%3Fq%3Dada%26page%3D2'));
    expect(screen.queryByRole('heading', { name: 'Secret page' })).toBeNull();
  });

  it('holds an account no administrator has approved yet on the pending page', async () => {
    renderPage(page, { path: '/', server: () => ({ status: 200, body: makeUser({ is_verified: false }) }) });
    await screen.findByRole('heading', { name: 'Waiting for approval' });
    expect(screen.getByText('ada@example.com')).toBeTruthy();
    expect(screen.queryByRole('heading', { name: 'Secret page' })).toBeNull();
  });

  it('never holds back an administrator', async () => {
    renderPage(page, { path: '/', server: signedIn(makeUser({ is_verified: false, is_superuser: true }), makeSecondFactorStatus) });
    await screen.findByRole('heading', { name: 'Secret page' });
  });

  it('offers to try again when the server cannot say', async () => {
    renderPage(page, {
      path: '/',
      server: () => ({ status: 422, body: { detail: 'VALIDATION_ERROR', message: 'Odd request.' } }),
    });
    expect((await screen.findByRole('alert')).textContent).toBe('Odd request.');
    expect(screen.getByRole('button', { name: 'Try again' })).toBeTruthy();
  });

  it('holds a session that must add a second factor on the set-up page, and lets it in once the codes are saved', async () => {
    let status = makeSecondFactorStatus({ required: true, enrolment_required: true });
    const rendered = renderPage(page, {
      path: '/',
      server: signedIn(
        makeUser(),
        () => status,
        (request) => {
          if (request.method === 'POST' && request.url === '/api/v1/users/me/totp') {
            return {
              status: 200,
              body: { secret: 'JBSWY3DPEHPK3PXP', otpauth_url: 'otpauth://totp/Gatehouse:ada%40example.com?secret=JBSWY3DPEHPK3PXP' },
            };
          }
          if (request.method === 'POST' && request.url === '/api/v1/users/me/totp/confirm') {
            status = makeSecondFactorStatus({ totp: true, recovery_codes_left: 10, required: true });
            return { status: 200, body: { recovery_codes: ['aaaaa-bbbbb', 'ccccc-ddddd'] } };
          }
          return undefined;
        },
      ),
    });
    await screen.findByRole('heading', { name: 'Set up your authenticator app', level: 1 });
    expect(screen.queryByRole('heading', { name: 'Secret page' })).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: 'Set up authenticator app' }));
    await screen.findByRole('img', { name: 'QR code to scan with your authenticator app' });
    fireEvent.change(screen.getByLabelText('Authentication code'), { target: { value: '123456' } });
    fireEvent.click(screen.getByRole('button', { name: 'Turn on two-step sign-in' }));
    // On now, but the page stays until the person has the codes: the guard has not asked again.
    const codes = await screen.findByRole('region', { name: 'Save your recovery codes now' });
    expect(
      within(codes)
        .getAllByRole('listitem')
        .map((item) => item.textContent),
    ).toEqual(['aaaaa-bbbbb', 'ccccc-ddddd']);
    expect(rendered.requests.filter((r) => r.url === '/api/v1/users/me/second-factor')).toHaveLength(1);
    expect(screen.queryByRole('heading', { name: 'Secret page' })).toBeNull();

    fireEvent.click(within(codes).getByRole('button', { name: 'I have saved them, continue' }));
    await screen.findByRole('heading', { name: 'Secret page' });
    expect(rendered.unhandled).toEqual([]);
  });

  it('offers a passkey too where the server and the browser have passkeys, which lets the session in at once', async () => {
    const webauthn = installFakeWebauthn();
    let status = makeSecondFactorStatus({ required: true, enrolment_required: true });
    const rendered = renderPage(page, {
      path: '/',
      server: signedIn(
        makeUser(),
        () => status,
        (request) => {
          if (request.method === 'POST' && request.url === '/api/v1/users/me/passkeys/options') {
            return {
              status: 200,
              body: {
                challenge: base64url('register-1'),
                rp: { name: 'Gatehouse', id: 'localhost' },
                user: { id: base64url('user-handle'), name: 'ada@example.com', displayName: 'ada@example.com' },
                pubKeyCredParams: [{ alg: -7, type: 'public-key' }],
              },
            };
          }
          if (request.method === 'POST' && request.url === '/api/v1/users/me/passkeys') {
            status = makeSecondFactorStatus({ passkeys: 1, required: true });
            const name = (request.body as { name: string }).name;
            return {
              status: 201,
              body: {
                id: '3b1f0c52-4a63-4c89-9a4e-7cf1d1f0c0a1',
                name,
                created_at: '2026-05-01T10:00:00.000Z',
                last_used_at: null,
                backed_up: false,
              },
            };
          }
          return undefined;
        },
        true,
      ),
    });
    try {
      await screen.findByRole('heading', { name: 'Set up two-step sign-in', level: 1 });
      expect(screen.getByRole('region', { name: 'Or set up an authenticator app' })).toBeTruthy();
      const passkey = screen.getByRole('region', { name: 'Add a passkey' });
      fireEvent.change(within(passkey).getByLabelText('Name of the new passkey'), { target: { value: 'Laptop' } });
      fireEvent.click(within(passkey).getByRole('button', { name: 'Add a passkey' }));
      await screen.findByRole('heading', { name: 'Secret page' });
      expect(webauthn.requests.map((request) => request.kind)).toEqual(['create']);
      expect(rendered.unhandled).toEqual([]);
    } finally {
      webauthn.uninstall();
    }
  });

  it('shows the set-up page when any call answers SECOND_FACTOR_ENROLMENT_REQUIRED', async () => {
    let status = makeSecondFactorStatus();
    function Sessions() {
      const api = useApi();
      const sessions = useQuery({ queryKey: ['my-sessions'], queryFn: () => api.call('listMySessions') });
      return <h1>{sessions.isError ? 'Refused' : 'Secret page'}</h1>;
    }
    renderPage(
      <RequireAuth>
        <Sessions />
      </RequireAuth>,
      {
        path: '/',
        server: signedIn(
          makeUser(),
          () => status,
          (request) => {
            // An administrator reset this account's second factor, which the server requires.
            status = makeSecondFactorStatus({ required: true, enrolment_required: true });
            return request.url === '/api/v1/users/me/sessions'
              ? { status: 403, body: { detail: 'SECOND_FACTOR_ENROLMENT_REQUIRED', message: 'Set up an authenticator app first.' } }
              : undefined;
          },
        ),
      },
    );
    await screen.findByRole('heading', { name: 'Set up your authenticator app', level: 1 });
    expect(screen.queryByRole('heading', { name: 'Secret page' })).toBeNull();
  });
});
