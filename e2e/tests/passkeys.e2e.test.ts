// Passkeys end to end, in Chromium against the built server, with a virtual authenticator (the
// DevTools protocol's WebAuthn domain: a platform authenticator that keeps discoverable credentials
// and verifies its user). WebAuthn needs a secure context and a domain for its RP ID, so the server's
// frontend_url and the browser's address are http://localhost:<port>, not 127.0.0.1.
//
// A person adds a passkey on the account page, then signs in four ways: "Sign in with a passkey"
// without typing an email; the password, then "Use a passkey" as its second step; and through the
// email field's autofill (conditional mediation). Headless Chromium shows no autofill list to pick
// from: with user presence simulated, its virtual authenticator answers the waiting conditional
// request by itself, which is what picking the passkey there does. Without simulated presence the
// conditional request waits, which shows it pending, and aborted when the button is used instead.
// Last, removing the passkey, once the sign-in is no longer recent: the page asks to confirm it is
// them first. On the way, the sign-in page with passkeys on is checked to load only the chunks the
// bundle report counts.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { CDPSession, Page } from 'playwright-core';
import { launchChromium, type LaunchedChromium } from '../support/chromium.js';
import { findFreePort, REPO_ROOT, startGatehouse, type RunningGatehouse, setPasswordFromSetupLink } from '../support/gatehouse-server.js';
import { auditPage, openPage, signInWithPassword, signOut } from '../support/pages.js';

const EMAIL = 'admin@example.com';
const PASSWORD = 'lantern orchard copper 48';
/** [auth] reauthentication_window, seconds: the smallest allowed, so the test can outwait it. */
const REAUTHENTICATION_WINDOW_S = 30;

let gatehouse: RunningGatehouse | undefined;
let browser: LaunchedChromium | undefined;
let baseUrl = '';
const pageErrors: Error[] = [];

beforeAll(async () => {
  const port = await findFreePort();
  baseUrl = `http://localhost:${port}`;
  gatehouse = await startGatehouse({
    port,
    frontendUrl: baseUrl,
    configToml: [
      '[auth]',
      `token_secret = "${randomBytes(32).toString('hex')}"`,
      `admin_emails = ["${EMAIL}"]`,
      'bcrypt_cost = 10',
      `reauthentication_window = ${REAUTHENTICATION_WINDOW_S}`,
      '',
    ].join('\n'),
  });
  await setPasswordFromSetupLink(gatehouse, PASSWORD);
  browser = await launchChromium();
}, 150_000);

afterAll(async () => {
  await browser?.close();
  await gatehouse?.stop().catch(() => undefined);
});

interface RecordedRequest {
  mediation: string;
  aborted: boolean;
  /** '' while it waits; 'answered', or the name of the error it failed with. */
  outcome: string;
}

// Runs in the page before its own scripts: records each navigator.credentials.get the page makes
// (modal or conditional), whether the page aborted it, and how it ended.
const RECORD_PASSKEY_REQUESTS = `(() => {
  const requests = (window.__passkeyRequests = []);
  if (!navigator.credentials) return; // about:blank is not a secure context
  const get = navigator.credentials.get.bind(navigator.credentials);
  navigator.credentials.get = (options) => {
    const request = { mediation: options.mediation ?? 'modal', aborted: false, outcome: '' };
    requests.push(request);
    options.signal?.addEventListener('abort', () => (request.aborted = true));
    return get(options).then(
      (credential) => ((request.outcome = 'answered'), credential),
      (error) => {
        request.outcome = error.name;
        throw error;
      },
    );
  };
})();`;

type RecordingWindow = Window & { __passkeyRequests: RecordedRequest[] };
const passkeyRequests = (page: Page) => page.evaluate(() => (window as unknown as RecordingWindow).__passkeyRequests);
/** Starts a new record (the page is single-page: its window, and the record, outlive a sign-out). */
const forgetPasskeyRequests = (page: Page) => page.evaluate(() => void (window as unknown as RecordingWindow).__passkeyRequests.splice(0));

/** The person at the authenticator: present (it answers at once) or not (requests wait). */
function presence(cdp: CDPSession, authenticatorId: string, enabled: boolean) {
  return cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId, enabled });
}

const accountHeading = (page: Page) => page.getByRole('heading', { name: 'Your account', level: 1 });
const passkeysSection = (page: Page) => page.getByRole('region', { name: 'Passkeys' });

test('add a passkey, sign in with it (button, second step, autofill), then remove it after confirming it is you', async () => {
  if (!gatehouse || !browser) throw new Error('beforeAll did not start the server and the browser');
  const context = await browser.newContext();
  await context.addInitScript(RECORD_PASSKEY_REQUESTS);
  const page = await openPage(context, pageErrors);
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });

  // With passkeys on, the sign-in page still loads only the chunks the bundle report counts
  // (scripts/bundle-size.mjs, the 100 KB budget): the code of its autofill request among them.
  const scripts: string[] = [];
  page.on('response', (response) => {
    const url = new URL(response.url());
    if (url.pathname.endsWith('.js')) scripts.push(url.pathname.replace(/^\//, ''));
  });
  await page.goto(`${baseUrl}/login`);
  await page.waitForFunction(() => (window as unknown as RecordingWindow).__passkeyRequests.length > 0);
  const report = JSON.parse(
    execFileSync(process.execPath, [path.join(REPO_ROOT, 'apps/web/scripts/bundle-size.mjs'), '--json'], { encoding: 'utf8' }),
  ) as {
    eagerChunks: { file: string }[];
  };
  expect([...scripts].sort()).toEqual(report.eagerChunks.map((chunk) => chunk.file).sort());

  // Add one: just signed in, so no "confirm it is you" is needed.
  await signInWithPassword(page, baseUrl, EMAIL, PASSWORD);
  await accountHeading(page).waitFor();
  const section = passkeysSection(page);
  await section.getByText('You have no passkeys yet.').waitFor();
  await section.getByLabel('Name of the new passkey').fill('Virtual key');
  await section.getByRole('button', { name: 'Add a passkey' }).click();
  await section.getByText('Added “Virtual key”. You can sign in with it now.').waitFor();
  await section.getByText('Not used yet').waitFor();
  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  expect(credentials.map((credential) => ({ rpId: credential.rpId, isResidentCredential: credential.isResidentCredential }))).toEqual([
    { rpId: 'localhost', isResidentCredential: true },
  ]);
  await auditPage(page, 'account-passkeys');

  // "Sign in with a passkey", no email typed. Until then a conditional request waits for the
  // email field's autofill (nobody is at the authenticator); the button aborts it first.
  await presence(cdp, authenticatorId, false);
  await forgetPasskeyRequests(page);
  await signOut(page, baseUrl);
  const email = page.getByLabel('Email', { exact: true });
  expect(await email.getAttribute('autocomplete')).toBe('username webauthn');
  await page.waitForFunction(() => (window as unknown as RecordingWindow).__passkeyRequests.length > 0);
  expect(await passkeyRequests(page)).toEqual([{ mediation: 'conditional', aborted: false, outcome: '' }]);
  await auditPage(page, 'login-passkey');
  await presence(cdp, authenticatorId, true);
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await accountHeading(page).waitFor();
  expect(await email.count()).toBe(0);
  const requests = await passkeyRequests(page);
  expect(requests.map(({ mediation, aborted }) => ({ mediation, aborted }))).toEqual([
    { mediation: 'conditional', aborted: true },
    { mediation: 'modal', aborted: false },
  ]);
  expect(requests[1]?.outcome).toBe('answered');
  await passkeysSection(page).getByText('Last used', { exact: false }).waitFor();

  // The password, then the passkey as the second step: this account has no authenticator app, so
  // the step asks for no code.
  await presence(cdp, authenticatorId, false);
  await signOut(page, baseUrl);
  await signInWithPassword(page, baseUrl, EMAIL, PASSWORD);
  const usePasskey = page.getByRole('button', { name: 'Use a passkey' });
  await usePasskey.waitFor();
  expect(await page.getByLabel('Authentication code').count()).toBe(0);
  await presence(cdp, authenticatorId, true);
  await usePasskey.click();
  await accountHeading(page).waitFor();

  // The email field's autofill: opening the sign-in page starts the conditional request, which
  // the authenticator answers (the person's pick, in a headed browser); nothing is clicked or typed.
  await presence(cdp, authenticatorId, false);
  await signOut(page, baseUrl);
  // The sign-in page the sign-out left open has its own conditional request waiting: leave it
  // first, or the authenticator may answer that one, and the page opened next finds a session.
  await page.goto('about:blank');
  await presence(cdp, authenticatorId, true);
  await page.goto(`${baseUrl}/login`);
  await accountHeading(page).waitFor();
  const signedInAt = Date.now();
  expect((await passkeyRequests(page)).map(({ mediation, outcome }) => ({ mediation, outcome }))).toEqual([
    { mediation: 'conditional', outcome: 'answered' },
  ]);

  // Removing it needs a recent sign-in: once that has passed, the page asks to confirm it is them.
  await sleep(signedInAt + (REAUTHENTICATION_WINDOW_S + 2) * 1000 - Date.now());
  const list = passkeysSection(page);
  await list.getByRole('button', { name: 'Remove Virtual key' }).click();
  await list.getByRole('group', { name: 'Remove the passkey “Virtual key”?' }).getByRole('button', { name: 'Yes, remove it' }).click();
  const prompt = list.getByRole('group', { name: 'Confirm it is you' });
  await prompt.getByLabel('Current password').fill(PASSWORD);
  await prompt.getByRole('button', { name: 'Confirm' }).click();
  await list.getByText('Removed “Virtual key”.').waitFor();
  await list.getByText('You have no passkeys yet.').waitFor();
  expect(await (await page.request.get(`${baseUrl}/api/v1/users/me/passkeys`)).json()).toEqual([]);
  // The authenticator keeps it, as the page said; the server no longer knows it.
  expect((await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials).toHaveLength(1);

  expect(pageErrors.map((error) => error.message)).toEqual([]);
  await context.close();
}, 180_000);
