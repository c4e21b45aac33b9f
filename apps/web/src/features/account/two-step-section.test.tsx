/** @jest-environment jsdom */
import { afterEach, describe, expect, it } from '@jest/globals';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import type { SecondFactorStatus } from '@gatehouse/shared';
import { confirmItIsYou } from '../../test-support/confirm-it-is-you';
import { renderPage, type FakeAnswer, type FakeRequest } from '../../test-support/render-page';
import { makeSecondFactorStatus, makeUser } from '../../test-support/users';
import { toSvgPath } from './qr-code';
import { recoveryCodesText } from './recovery-codes';
import { groupSecret } from './totp-setup';
import { describeRecoveryCodesLeft, TwoStepSection } from './two-step-section';

afterEach(cleanup);

const USER = makeUser();
const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const CODES = Array.from({ length: 10 }, (_, index) => `code${index}-abcde`);
const REAUTH_REQUIRED = { status: 403, body: { detail: 'REAUTHENTICATION_REQUIRED', message: 'Confirm it is you first.' } };

/** The account's API: its second-factor status, and `more` for the rest; confirming with the password always works. */
function serve(status: () => SecondFactorStatus, more: (request: FakeRequest) => FakeAnswer | undefined) {
  return (request: FakeRequest): FakeAnswer | undefined => {
    if (request.method === 'GET' && request.url === '/api/v1/users/me/second-factor') return { status: 200, body: status() };
    if (request.method === 'GET' && request.url === '/api/v1/users/me/linked-accounts') return { status: 200, body: [] };
    if (request.method === 'GET' && request.url === '/api/v1/users/me') return { status: 200, body: USER };
    return more(request);
  };
}

describe('the two-step sign-in section of the account page', () => {
  it('sets up an authenticator app: confirm it is you, QR code and key, a code to confirm, then the recovery codes once', async () => {
    let status = makeSecondFactorStatus();
    let isRecent = false;
    let copied = '';
    Object.defineProperty(navigator, 'clipboard', { configurable: true, value: { writeText: async (text: string) => void (copied = text) } });
    const rendered = renderPage(<TwoStepSection user={USER} />, {
      path: '/',
      server: serve(
        () => status,
        (request) => {
          if (request.url === '/api/v1/users/me/reauthenticate') {
            isRecent = true;
            return { status: 200, body: { authorization_url: null } };
          }
          if (request.url === '/api/v1/users/me/totp') {
            return isRecent
              ? { status: 200, body: { secret: SECRET, otpauth_url: `otpauth://totp/Gatehouse:ada%40example.com?secret=${SECRET}` } }
              : REAUTH_REQUIRED;
          }
          if (request.url === '/api/v1/users/me/totp/confirm') {
            if ((request.body as { code: string }).code !== '246810') {
              return { status: 400, body: { detail: 'SECOND_FACTOR_INVALID', message: 'That code is not correct (or was already used).' } };
            }
            status = makeSecondFactorStatus({ totp: true, recovery_codes_left: 10 });
            return { status: 200, body: { recovery_codes: CODES } };
          }
          return undefined;
        },
      ),
    });
    const region = await screen.findByRole('region', { name: 'Two-step sign-in' });
    await within(region).findByText('Off.');
    fireEvent.click(within(region).getByRole('button', { name: 'Set up authenticator app' }));
    await confirmItIsYou(region);

    // The QR code (the encoder loads now, not with the page) and the same secret as a key to type.
    const qr = await within(region).findByRole('img', { name: 'QR code to scan with your authenticator app' });
    expect(qr.querySelector('path')?.getAttribute('d')).toMatch(/^M\d+ \d+h1v1h-1z/);
    expect(within(region).getByLabelText<HTMLInputElement>('Setup key').value).toBe('JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP');

    const code = within(region).getByLabelText<HTMLInputElement>('Authentication code');
    expect([code.getAttribute('autocomplete'), code.getAttribute('inputmode')]).toEqual(['one-time-code', 'numeric']);
    fireEvent.change(code, { target: { value: '111111' } });
    fireEvent.click(within(region).getByRole('button', { name: 'Turn on two-step sign-in' }));
    expect((await within(region).findByRole('alert')).textContent).toBe('That code is not correct (or was already used).');
    fireEvent.change(code, { target: { value: '246810' } });
    fireEvent.click(within(region).getByRole('button', { name: 'Turn on two-step sign-in' }));

    const saved = await within(region).findByRole('region', { name: 'Save your recovery codes now' });
    expect(
      within(saved)
        .getAllByRole('listitem')
        .map((item) => item.textContent),
    ).toEqual(CODES);
    expect(saved.textContent).toContain('They are shown only now');
    fireEvent.click(within(saved).getByRole('button', { name: 'Copy codes' }));
    await within(saved).findByText('Copied to the clipboard.');
    expect(copied).toBe(recoveryCodesText(CODES, USER.email));
    const download = within(saved).getByRole('link', { name: 'Download as text' });
    expect(download.getAttribute('download')).toBe('gatehouse-recovery-codes.txt');
    expect(decodeURIComponent(download.getAttribute('href') ?? '')).toBe(`data:text/plain;charset=utf-8,${recoveryCodesText(CODES, USER.email)}`);

    // Once saved, they are gone for good; the section says it is on.
    fireEvent.click(within(saved).getByRole('button', { name: 'I have saved them' }));
    await within(region).findByText('On.');
    expect(within(region).queryByText(CODES[0] as string)).toBeNull();
    expect(within(region).getByText(/You have 10 recovery codes left\./)).toBeTruthy();
    expect(rendered.requests.filter((r) => r.method === 'POST').map((r) => r.url)).toEqual([
      '/api/v1/users/me/totp',
      '/api/v1/users/me/reauthenticate',
      '/api/v1/users/me/totp',
      '/api/v1/users/me/totp/confirm',
      '/api/v1/users/me/totp/confirm',
    ]);
    expect(rendered.unhandled).toEqual([]);
  });

  it('makes new recovery codes, and removes the app only after a confirmation', async () => {
    let status = makeSecondFactorStatus({ totp: true, recovery_codes_left: 2 });
    const rendered = renderPage(<TwoStepSection user={USER} />, {
      path: '/',
      server: serve(
        () => status,
        (request) => {
          if (request.method === 'POST' && request.url === '/api/v1/users/me/recovery-codes') {
            status = makeSecondFactorStatus({ totp: true, recovery_codes_left: 10 });
            return { status: 200, body: { recovery_codes: CODES } };
          }
          if (request.method === 'DELETE' && request.url === '/api/v1/users/me/totp') {
            status = makeSecondFactorStatus();
            return { status: 204 };
          }
          return undefined;
        },
      ),
    });
    const region = await screen.findByRole('region', { name: 'Two-step sign-in' });
    await within(region).findByText('You have 2 recovery codes left. Make new ones before you run out.', { exact: false });
    fireEvent.click(within(region).getByRole('button', { name: 'Make new recovery codes' }));
    const saved = await within(region).findByRole('region', { name: 'Save your recovery codes now' });
    expect(within(saved).getAllByRole('listitem')).toHaveLength(10);
    fireEvent.click(within(saved).getByRole('button', { name: 'I have saved them' }));
    await within(region).findByText(/You have 10 recovery codes left\./);

    fireEvent.click(within(region).getByRole('button', { name: 'Remove authenticator app' }));
    const confirm = within(region).getByRole('group', { name: 'Remove the authenticator app and your recovery codes?' });
    expect(rendered.requests.some((r) => r.method === 'DELETE')).toBe(false);
    fireEvent.click(within(confirm).getByRole('button', { name: 'Cancel' }));
    expect(within(region).queryByRole('group')).toBeNull();
    fireEvent.click(within(region).getByRole('button', { name: 'Remove authenticator app' }));
    fireEvent.click(within(region).getByRole('button', { name: 'Yes, remove it' }));
    await within(region).findByText('Off.');
    await waitFor(() => expect(rendered.requests.filter((r) => r.method === 'DELETE')).toHaveLength(1));
    expect(rendered.unhandled).toEqual([]);
  });

  it('says that passkeys already give the second step of an account without an app', async () => {
    renderPage(<TwoStepSection user={USER} />, {
      path: '/',
      server: serve(
        () => makeSecondFactorStatus({ passkeys: 2, required: true }),
        () => undefined,
      ),
    });
    const region = await screen.findByRole('region', { name: 'Two-step sign-in' });
    await within(region).findByText('No authenticator app.');
    expect(region.textContent).toContain('asks for one of your passkeys');
    expect(region.textContent).not.toContain('This server requires two-step sign-in');
    expect(within(region).getByRole('button', { name: 'Set up authenticator app' })).toBeTruthy();
  });

  it('words what is left and formats what is shown', () => {
    expect(describeRecoveryCodesLeft(0)).toMatch(/^You have no recovery codes left\./);
    expect(describeRecoveryCodesLeft(1)).toBe('You have 1 recovery code left. Make new ones before you run out.');
    expect(describeRecoveryCodesLeft(8)).toBe('You have 8 recovery codes left.');
    expect(groupSecret('ABCDEFGHIJ')).toBe('ABCD EFGH IJ');
    expect(
      toSvgPath([
        [true, false],
        [false, true],
      ]),
    ).toBe('M0 0h1v1h-1zM1 1h1v1h-1z');
    expect(recoveryCodesText(['aaaaa-bbbbb'], 'ada@example.com').split('\n')).toEqual([
      'Gatehouse recovery codes for ada@example.com',
      'Each code signs you in once, instead of a code from your authenticator app.',
      '',
      'aaaaa-bbbbb',
      '',
    ]);
  });
});
