// Two-step sign-in end to end, in Chromium against the built server: a person sets up an
// authenticator app on the account page (a QR code and the key as text, then a code from the app
// to confirm), saves the recovery codes shown once, signs out, signs in with the password and a
// code, then with the password and a recovery code (which works once only). The codes are
// computed here as the person's app would (SHA-1, 6 digits, 30-second steps); the server takes
// each step's code once, so every sign-in waits for a step that was not used yet.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { Secret, TOTP } from 'otpauth';
import type { Page } from 'playwright-core';
import { launchChromium, type LaunchedChromium } from '../support/chromium.js';
import { startGatehouse, type RunningGatehouse, setPasswordFromSetupLink } from '../support/gatehouse-server.js';
import { auditPage, openPage, signInWithPassword, signOut } from '../support/pages.js';

const EMAIL = 'admin@example.com';
const PASSWORD = 'harbour quill meadow 62';
const STEP_MS = 30_000;

let gatehouse: RunningGatehouse | undefined;
let browser: LaunchedChromium | undefined;
const pageErrors: Error[] = [];

beforeAll(async () => {
  gatehouse = await startGatehouse({
    configToml: ['[auth]', `token_secret = "${randomBytes(32).toString('hex')}"`, `admin_emails = ["${EMAIL}"]`, 'bcrypt_cost = 10', ''].join('\n'),
  });
  await setPasswordFromSetupLink(gatehouse, PASSWORD);
  browser = await launchChromium();
}, 150_000);

afterAll(async () => {
  await browser?.close();
  await gatehouse?.stop().catch(() => undefined);
});

/** The code the person's app shows for a step later than `usedStep` (waiting for one if need be), and its step. */
async function nextCode(totp: TOTP, usedStep: number): Promise<{ code: string; step: number }> {
  const step = Math.max(Math.floor(Date.now() / STEP_MS), usedStep + 1);
  const wait = step * STEP_MS - Date.now();
  if (wait > 0) await sleep(wait + 250);
  return { code: totp.generate({ timestamp: step * STEP_MS }), step };
}

/** The password, then "Use a recovery code instead" and `code`. */
async function signInWithRecoveryCode(page: Page, baseUrl: string, code: string): Promise<void> {
  await signInWithPassword(page, baseUrl, EMAIL, PASSWORD);
  await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
  await page.getByLabel('Recovery code').fill(code);
  await page.getByRole('button', { name: 'Verify' }).click();
}

const accountHeading = (page: Page) => page.getByRole('heading', { name: 'Your account', level: 1 });
const twoStepSection = (page: Page) => page.getByRole('region', { name: 'Two-step sign-in' });

test('set up an authenticator app on the account page, then sign in with a code, and with a recovery code once', async () => {
  if (!gatehouse || !browser) throw new Error('beforeAll did not start the server and the browser');
  const baseUrl = gatehouse.baseUrl;
  const page = await openPage(await browser.newContext(), pageErrors);

  // Set up: just signed in, so no "confirm it is you" is needed.
  await signInWithPassword(page, baseUrl, EMAIL, PASSWORD);
  await accountHeading(page).waitFor();
  const section = twoStepSection(page);
  await section.getByText('Off.').waitFor();
  await section.getByRole('button', { name: 'Set up authenticator app' }).click();
  await section.getByRole('img', { name: 'QR code to scan with your authenticator app' }).waitFor();
  const secret = (await section.getByLabel('Setup key').inputValue()).replace(/\s/g, '');
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  await auditPage(page, 'two-step-setup');
  const totp = new TOTP({ algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secret) });

  let used = await nextCode(totp, -1);
  await section.getByLabel('Authentication code').fill(used.code);
  await section.getByRole('button', { name: 'Turn on two-step sign-in' }).click();

  // The recovery codes, once: ten of them, and the same in the downloaded text file.
  const saved = section.getByRole('region', { name: 'Save your recovery codes now' });
  await saved.waitFor();
  const codes = (await saved.getByRole('listitem').allTextContents()).map((code) => code.trim());
  expect(codes).toHaveLength(10);
  for (const code of codes) expect(code).toMatch(/^[a-z2-7]{5}-[a-z2-7]{5}$/);
  await auditPage(page, 'recovery-codes');
  const [download] = await Promise.all([page.waitForEvent('download'), saved.getByRole('link', { name: 'Download as text' }).click()]);
  expect(download.suggestedFilename()).toBe('gatehouse-recovery-codes.txt');
  const text = await readFile(await download.path(), 'utf8');
  for (const code of codes) expect(text).toContain(code);
  await saved.getByRole('button', { name: 'I have saved them' }).click();
  await section.getByText('On.').waitFor();
  await section.getByText('You have 10 recovery codes left.', { exact: false }).waitFor();
  expect(await page.getByText(codes[0] as string).count()).toBe(0);

  // Password, then a code of a step not used yet.
  await signOut(page, baseUrl);
  await signInWithPassword(page, baseUrl, EMAIL, PASSWORD);
  const codeField = page.getByLabel('Authentication code');
  await codeField.waitFor();
  await auditPage(page, 'login-second-factor');
  used = await nextCode(totp, used.step);
  await codeField.fill(used.code);
  await page.getByRole('button', { name: 'Verify' }).click();
  await accountHeading(page).waitFor();

  // Password, then a recovery code instead.
  await signOut(page, baseUrl);
  await signInWithRecoveryCode(page, baseUrl, codes[0] as string);
  await accountHeading(page).waitFor();
  await twoStepSection(page).getByText('You have 9 recovery codes left.', { exact: false }).waitFor();

  // That recovery code is spent: the next sign-in refuses it, and the person may try another.
  await signOut(page, baseUrl);
  await signInWithRecoveryCode(page, baseUrl, codes[0] as string);
  await page.getByRole('alert').getByText('That code is not correct', { exact: false }).waitFor();
  await page.getByLabel('Recovery code').fill(codes[1] as string);
  await page.getByRole('button', { name: 'Verify' }).click();
  await accountHeading(page).waitFor();

  expect(pageErrors.map((error) => error.message)).toEqual([]);
}, 180_000);
