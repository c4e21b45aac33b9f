// First start, end to end: the server logs a setup link for the configured admin; the admin sets a
// password, signs in, creates a user and signs out; that user finishes their own setup link.
// Then the server must stop cleanly on SIGTERM, with no secret and no stack trace in its log.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Page } from 'playwright-core';
import { launchChromium, type LaunchedChromium } from '../support/chromium.js';
import { startGatehouse, type LogLine, type RunningGatehouse } from '../support/gatehouse-server.js';
import { openPage, signInWithPassword, signOut } from '../support/pages.js';

const ADMIN_EMAIL = 'admin@example.com';
const ADMIN_PASSWORD = 'tidal copper lantern 91';
const NEW_USER_EMAIL = 'new.user@example.com';
const NEW_USER_PASSWORD = 'quiet harbour violin 27';
const TOKEN_SECRET = randomBytes(32).toString('hex');

let gatehouse: RunningGatehouse | undefined;
let browser: LaunchedChromium | undefined;
const pageErrors: Error[] = [];

beforeAll(async () => {
  gatehouse = await startGatehouse({
    configToml: [
      '[auth]',
      `token_secret = "${TOKEN_SECRET}"`,
      `admin_emails = ["${ADMIN_EMAIL}"]`,
      // The lowest cost the config allows: the test signs in several times.
      'bcrypt_cost = 10',
      '',
    ].join('\n'),
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await gatehouse?.stop().catch(() => undefined);
});

function running(): { server: RunningGatehouse; chromium: LaunchedChromium } {
  if (!gatehouse || !browser) throw new Error('beforeAll did not start the server and the browser');
  return { server: gatehouse, chromium: browser };
}

/** On the set-password page a setup link leads to. */
async function setPasswordThroughLink(page: Page, setupUrl: string, password: string): Promise<void> {
  await page.goto(setupUrl);
  await page.getByLabel('New password', { exact: true }).fill(password);
  // The page may ask for the password twice; fill the second field when there is one.
  const confirmField = page.getByLabel('Confirm password', { exact: true });
  if ((await confirmField.count()) > 0) await confirmField.fill(password);
  await page.getByRole('button', { name: 'Set password' }).click();
  await page.getByText('Password set').waitFor();
}

/** Signs in on /login and waits for the account page; returns the main content's text. */
async function signIn(page: Page, baseUrl: string, email: string, password: string): Promise<string> {
  await signInWithPassword(page, baseUrl, email, password);
  await page.getByRole('heading', { name: 'Your account' }).waitFor();
  return (await page.getByRole('main').textContent()) ?? '';
}

describe('first start', () => {
  test('the admin sets a password from the logged setup link, signs in, creates a user and signs out', async () => {
    const { server, chromium } = running();
    const setupLine = await server.waitForLog((line) => typeof line.json?.['setup_url'] === 'string');
    const adminSetupUrl = String(setupLine.json?.['setup_url']);
    // A link the operator can click: absolute, on the configured frontend_url.
    expect(new URL(adminSetupUrl).origin).toBe(server.baseUrl);

    const page = await openPage(chromium.context, pageErrors);
    await setPasswordThroughLink(page, adminSetupUrl, ADMIN_PASSWORD);

    const accountText = await signIn(page, server.baseUrl, ADMIN_EMAIL, ADMIN_PASSWORD);
    expect(accountText).toContain(`Signed in as ${ADMIN_EMAIL}`);
    expect(accountText).toContain('Administrator');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
    await page.getByRole('heading', { name: 'Users', level: 1 }).waitFor();
    const createForm = page.getByRole('region', { name: 'Create user' });
    await createForm.getByLabel('Email', { exact: true }).fill(NEW_USER_EMAIL);
    // No password: the API answers with a one-time setup link for the new user.
    await createForm.getByRole('button', { name: 'Create user' }).click();
    await createForm.getByText(`Created ${NEW_USER_EMAIL}.`).waitFor();
    const newUserSetupUrl = await createForm.getByLabel('Setup link', { exact: true }).inputValue();
    expect(new URL(newUserSetupUrl).origin).toBe(server.baseUrl);
    await page.getByRole('table', { name: 'All users' }).getByText(NEW_USER_EMAIL, { exact: true }).waitFor();

    await signOut(page, server.baseUrl);

    await setPasswordThroughLink(page, newUserSetupUrl, NEW_USER_PASSWORD);
    const newUserAccountText = await signIn(page, server.baseUrl, NEW_USER_EMAIL, NEW_USER_PASSWORD);
    expect(newUserAccountText).toContain(`Signed in as ${NEW_USER_EMAIL}`);
    expect(newUserAccountText).not.toContain('Administrator');
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).count()).toBe(0);
    await signOut(page, server.baseUrl);

    await page.close();
    expect(pageErrors.map((error) => error.message)).toEqual([]);
  });

  test('the server stops cleanly on SIGTERM, and its log holds no secret, error or stack trace', async () => {
    const { server } = running();
    const exit = await server.stop();
    expect(exit).toMatchObject({ code: 0, signal: null });

    const log = server.logText();
    expect(server.logLines.length).toBeGreaterThan(0);
    expect(log).not.toContain(TOKEN_SECRET);
    const isStackTraceLine = (line: LogLine) =>
      /^\s+at\s+\S/.test(line.text) || /\\n\s+at\s+\S/.test(line.text) || line.json?.['stack'] !== undefined;
    expect(server.logLines.filter(isStackTraceLine).map((line) => line.text)).toEqual([]);
    // pino levels: 50 error, 60 fatal. Nothing on this path is an error.
    const errorLines = server.logLines.filter((line) => Number(line.json?.['level'] ?? 0) >= 50);
    expect(errorLines.map((line) => line.text)).toEqual([]);
  });
});
