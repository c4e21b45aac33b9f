/** @jest-environment jsdom */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import type { PasskeyRead, SecondFactorStatus } from '@gatehouse/shared';
import { base64url, decodeBuffer, FAKE_CREDENTIAL_ID, installFakeWebauthn, type FakeWebauthn } from '../../test-support/fake-webauthn';
import { confirmItIsYou } from '../../test-support/confirm-it-is-you';
import { renderPage, type FakeAnswer, type FakeRequest } from '../../test-support/render-page';
import { makeSecondFactorStatus, makeUser } from '../../test-support/users';
import { PasskeysSection } from './passkeys-section';

afterEach(cleanup);

const USER = makeUser();
const REAUTH_REQUIRED = { status: 403, body: { detail: 'REAUTHENTICATION_REQUIRED', message: 'Confirm it is you first.' } };
const MACBOOK: PasskeyRead = {
  id: '3b1f0c52-4a63-4c89-9a4e-7cf1d1f0c0a1',
  name: 'MacBook',
  created_at: '2026-03-01T10:00:00.000Z',
  last_used_at: '2026-04-02T08:30:00.000Z',
  backed_up: true,
};
const YUBIKEY: PasskeyRead = {
  id: '3b1f0c52-4a63-4c89-9a4e-7cf1d1f0c0a2',
  name: 'YubiKey',
  created_at: '2026-03-05T10:00:00.000Z',
  last_used_at: null,
  backed_up: false,
};
const CREATION_OPTIONS = {
  challenge: base64url('register-1'),
  rp: { name: 'Gatehouse', id: 'localhost' },
  user: { id: base64url('user-handle'), name: 'ada@example.com', displayName: 'ada@example.com' },
  pubKeyCredParams: [{ alg: -7, type: 'public-key' }],
  excludeCredentials: [{ id: base64url('macbook'), type: 'public-key' }],
  authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
  attestation: 'none',
};

/**
 * The account's API for passkeys: the list in `state`, and `more` for the rest. Confirming with
 * the password always works, and makes the session recent (`state.isRecent`).
 */
function serve(
  state: { passkeys: PasskeyRead[]; isRecent: boolean; status?: SecondFactorStatus; passkeysEnabled?: boolean },
  more: (request: FakeRequest) => FakeAnswer | undefined = () => undefined,
) {
  return (request: FakeRequest): FakeAnswer | undefined => {
    const { method, url } = request;
    if (method === 'GET' && url === '/api/v1/auth/metadata') {
      return { status: 200, body: { oidc_providers: [], password_login_enabled: true, passkeys_enabled: state.passkeysEnabled ?? true } };
    }
    if (method === 'GET' && url === '/api/v1/users/me/passkeys') return { status: 200, body: state.passkeys };
    if (method === 'GET' && url === '/api/v1/users/me/second-factor') {
      return { status: 200, body: state.status ?? makeSecondFactorStatus({ passkeys: state.passkeys.length }) };
    }
    if (method === 'GET' && url === '/api/v1/users/me/linked-accounts') return { status: 200, body: [] };
    if (method === 'GET' && url === '/api/v1/users/me') return { status: 200, body: USER };
    if (method === 'POST' && url === '/api/v1/users/me/reauthenticate') {
      state.isRecent = true;
      return { status: 200, body: { authorization_url: null } };
    }
    return more(request);
  };
}

describe('the passkeys section of the account page', () => {
  let webauthn: FakeWebauthn;
  beforeEach(() => {
    webauthn = installFakeWebauthn();
  });
  afterEach(() => webauthn.uninstall());

  it('lists each passkey with when it was added and last used, and renames one in place', async () => {
    const state = { passkeys: [MACBOOK, YUBIKEY], isRecent: false };
    const rendered = renderPage(<PasskeysSection user={USER} />, {
      path: '/',
      server: serve(state, (request) => {
        if (request.method === 'PATCH' && request.url === `/api/v1/users/me/passkeys/${YUBIKEY.id}`) {
          const renamed = { ...YUBIKEY, name: (request.body as { name: string }).name };
          state.passkeys = [MACBOOK, renamed];
          return { status: 200, body: renamed };
        }
        return undefined;
      }),
    });
    const region = await screen.findByRole('region', { name: 'Passkeys' });
    const items = await within(region).findAllByRole('listitem');
    expect(items.map((item) => item.querySelector('.passkey-name')?.textContent)).toEqual(['MacBookSynced', 'YubiKey']);
    const times = (item: HTMLElement) => [...item.querySelectorAll('time')].map((time) => time.getAttribute('datetime'));
    expect(times(items[0] as HTMLElement)).toEqual([MACBOOK.created_at, MACBOOK.last_used_at]);
    expect(times(items[1] as HTMLElement)).toEqual([YUBIKEY.created_at]);
    expect(items[1]?.textContent).toContain('Not used yet');

    fireEvent.click(within(region).getByRole('button', { name: 'Rename YubiKey' }));
    const field = within(region).getByLabelText<HTMLInputElement>('New name for YubiKey');
    expect(field.value).toBe('YubiKey');
    fireEvent.change(field, { target: { value: '  ' } });
    fireEvent.click(within(region).getByRole('button', { name: 'Save' }));
    expect((await within(region).findByRole('alert')).textContent).toBe('Give the passkey a name.');
    fireEvent.change(field, { target: { value: ' Blue YubiKey ' } });
    fireEvent.click(within(region).getByRole('button', { name: 'Save' }));
    await within(region).findByText('Renamed to “Blue YubiKey”.');
    await within(region).findByRole('button', { name: 'Rename Blue YubiKey' });
    expect(rendered.requests.filter((r) => r.method === 'PATCH').map((r) => r.body)).toEqual([{ name: 'Blue YubiKey' }]);
    expect(rendered.unhandled).toEqual([]);
  });

  it('adds a passkey: confirm it is you, a name, the browser creates it, and the list has it', async () => {
    const state = { passkeys: [MACBOOK], isRecent: false };
    const added: PasskeyRead = {
      id: '3b1f0c52-4a63-4c89-9a4e-7cf1d1f0c0a3',
      name: 'Phone',
      created_at: '2026-05-01T10:00:00.000Z',
      last_used_at: null,
      backed_up: true,
    };
    const rendered = renderPage(<PasskeysSection user={USER} />, {
      path: '/',
      server: serve(state, (request) => {
        if (request.method === 'POST' && request.url === '/api/v1/users/me/passkeys/options') {
          return state.isRecent ? { status: 200, body: CREATION_OPTIONS } : REAUTH_REQUIRED;
        }
        if (request.method === 'POST' && request.url === '/api/v1/users/me/passkeys') {
          state.passkeys = [MACBOOK, added];
          return { status: 201, body: added };
        }
        return undefined;
      }),
    });
    const region = await screen.findByRole('region', { name: 'Passkeys' });
    await within(region).findByText('MacBook');
    const name = within(region).getByLabelText('Name of the new passkey');
    fireEvent.change(name, { target: { value: '' } });
    fireEvent.click(within(region).getByRole('button', { name: 'Add a passkey' }));
    expect((await within(region).findByRole('alert')).textContent).toBe('Give the passkey a name.');
    expect(rendered.requests.some((r) => r.method === 'POST')).toBe(false);

    fireEvent.change(name, { target: { value: 'Phone' } });
    fireEvent.click(within(region).getByRole('button', { name: 'Add a passkey' }));
    await confirmItIsYou(region);
    await within(region).findByText('Added “Phone”. You can sign in with it now.');
    await within(region).findByText('Phone');

    // The browser got the server's options with their bytes decoded: it will not make a second
    // passkey where the account has one already (excludeCredentials).
    const [creation] = webauthn.requests;
    expect(creation?.kind).toBe('create');
    expect(decodeBuffer(creation?.publicKey.challenge)).toBe('register-1');
    expect(decodeBuffer((creation?.publicKey.user as { id: ArrayBuffer }).id)).toBe('user-handle');
    expect((creation?.publicKey.excludeCredentials as { id: ArrayBuffer }[]).map((credential) => decodeBuffer(credential.id))).toEqual(['macbook']);
    const saved = rendered.requests.filter((r) => r.method === 'POST' && r.url === '/api/v1/users/me/passkeys');
    expect(saved.map((r) => r.body)).toEqual([
      {
        name: 'Phone',
        response: {
          id: FAKE_CREDENTIAL_ID,
          rawId: FAKE_CREDENTIAL_ID,
          type: 'public-key',
          authenticatorAttachment: 'platform',
          clientExtensionResults: {},
          response: {
            attestationObject: base64url('attestation-object'),
            clientDataJSON: base64url('{"type":"webauthn.create"}'),
            transports: ['internal'],
          },
        },
      },
    ]);
    expect(rendered.unhandled).toEqual([]);
  });

  it('saves a new passkey again after confirming, without a second prompt, when the server asks only then', async () => {
    const state = { passkeys: [] as PasskeyRead[], isRecent: true };
    let saves = 0;
    const rendered = renderPage(<PasskeysSection user={USER} />, {
      path: '/',
      server: serve(state, (request) => {
        if (request.url === '/api/v1/users/me/passkeys/options') return { status: 200, body: CREATION_OPTIONS };
        if (request.method === 'POST' && request.url === '/api/v1/users/me/passkeys') {
          saves += 1;
          if (saves === 1) return REAUTH_REQUIRED;
          state.passkeys = [MACBOOK];
          return { status: 201, body: MACBOOK };
        }
        return undefined;
      }),
    });
    const region = await screen.findByRole('region', { name: 'Passkeys' });
    await within(region).findByText('You have no passkeys yet.');
    fireEvent.change(within(region).getByLabelText('Name of the new passkey'), { target: { value: 'MacBook' } });
    fireEvent.click(within(region).getByRole('button', { name: 'Add a passkey' }));
    await confirmItIsYou(region);
    await within(region).findByText('Added “MacBook”. You can sign in with it now.');
    expect(webauthn.requests).toHaveLength(1);
    const bodies = rendered.requests.filter((r) => r.method === 'POST' && r.url === '/api/v1/users/me/passkeys').map((r) => r.body);
    expect(bodies).toHaveLength(2);
    expect(bodies[1]).toEqual(bodies[0]);
  });

  it('explains a passkey the browser would not create, or that the account has already', async () => {
    const state = { passkeys: [MACBOOK], isRecent: true };
    renderPage(<PasskeysSection user={USER} />, {
      path: '/',
      server: serve(state, (request) => (request.url === '/api/v1/users/me/passkeys/options' ? { status: 200, body: CREATION_OPTIONS } : undefined)),
    });
    const region = await screen.findByRole('region', { name: 'Passkeys' });
    await within(region).findByText('MacBook');
    webauthn.nextOutcome = 'InvalidStateError';
    fireEvent.change(within(region).getByLabelText('Name of the new passkey'), { target: { value: 'MacBook again' } });
    fireEvent.click(within(region).getByRole('button', { name: 'Add a passkey' }));
    expect((await within(region).findByRole('alert')).textContent).toBe('That passkey is already on your account.');
    webauthn.nextOutcome = 'NotAllowedError';
    fireEvent.click(within(region).getByRole('button', { name: 'Add a passkey' }));
    await within(region).findByText('No passkey was used: the request was cancelled or timed out.');
  });

  it('removes a passkey only after a confirmation, confirming it is you when the server asks', async () => {
    const state = { passkeys: [MACBOOK, YUBIKEY], isRecent: false };
    const rendered = renderPage(<PasskeysSection user={USER} />, {
      path: '/',
      server: serve(state, (request) => {
        if (request.method === 'DELETE' && request.url === `/api/v1/users/me/passkeys/${MACBOOK.id}`) {
          if (!state.isRecent) return REAUTH_REQUIRED;
          state.passkeys = [YUBIKEY];
          return { status: 204 };
        }
        return undefined;
      }),
    });
    const region = await screen.findByRole('region', { name: 'Passkeys' });
    fireEvent.click(await within(region).findByRole('button', { name: 'Remove MacBook' }));
    const confirm = within(region).getByRole('group', { name: 'Remove the passkey “MacBook”?' });
    expect(confirm.textContent).toContain('You will no longer be able to sign in with it.');
    fireEvent.click(within(confirm).getByRole('button', { name: 'Cancel' }));
    expect(within(region).queryByRole('group')).toBeNull();
    expect(rendered.requests.some((r) => r.method === 'DELETE')).toBe(false);

    fireEvent.click(within(region).getByRole('button', { name: 'Remove MacBook' }));
    fireEvent.click(within(region).getByRole('button', { name: 'Yes, remove it' }));
    await confirmItIsYou(region);
    await within(region).findByText('Removed “MacBook”.');
    await waitFor(() => expect(within(region).queryByText('MacBook')).toBeNull());
    expect(rendered.requests.filter((r) => r.method === 'DELETE')).toHaveLength(2);
    expect(rendered.unhandled).toEqual([]);
  });

  it('warns before removing the last second factor of an account that must have one', async () => {
    const state = { passkeys: [MACBOOK], isRecent: true, status: makeSecondFactorStatus({ passkeys: 1, required: true }) };
    renderPage(<PasskeysSection user={USER} />, { path: '/', server: serve(state) });
    const region = await screen.findByRole('region', { name: 'Passkeys' });
    fireEvent.click(await within(region).findByRole('button', { name: 'Remove MacBook' }));
    await within(region).findByText(/you will have to add a passkey or set up an authenticator app again/);
  });

  it('is not there where the server has passkeys off; a browser without passkeys cannot add one', async () => {
    const rendered = renderPage(
      <>
        <h1>Account</h1>
        <PasskeysSection user={USER} />
      </>,
      { path: '/', server: serve({ passkeys: [MACBOOK], isRecent: true, passkeysEnabled: false }) },
    );
    await waitFor(() => expect(rendered.requests.some((r) => r.url === '/api/v1/auth/metadata')).toBe(true));
    await screen.findByRole('heading', { name: 'Account' });
    expect(screen.queryByRole('region', { name: 'Passkeys' })).toBeNull();
    expect(rendered.requests.some((r) => r.url === '/api/v1/users/me/passkeys')).toBe(false);
    cleanup();

    webauthn.uninstall();
    renderPage(<PasskeysSection user={USER} />, { path: '/', server: serve({ passkeys: [MACBOOK], isRecent: true }) });
    const region = await screen.findByRole('region', { name: 'Passkeys' });
    await within(region).findByText('MacBook');
    expect(within(region).queryByRole('button', { name: 'Add a passkey' })).toBeNull();
    expect(within(region).getByText(/This browser cannot create passkeys/)).toBeTruthy();
  });
});
