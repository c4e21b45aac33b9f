// The web UI end to end, in Chromium against the built server: auto-launch to the provider and
// its own login page, a refusal there explained on the login page, register -> pending -> an admin
// verifies -> the user is in, an admin deactivating a signed-in user, a 401 leading back to where
// the person was, and every page checked with axe-core and photographed at desktop and phone width.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { BrowserContext, Page } from 'playwright-core';
import { launchChromium, type LaunchedChromium } from '../support/chromium.js';
import { startGatehouse, type RunningGatehouse, setPasswordFromSetupLink } from '../support/gatehouse-server.js';
import { auditPage, openPage, signInWithPassword } from '../support/pages.js';
import { startTestIdp, type RunningTestIdp } from '../support/test-idp.js';

const ADMIN_EMAIL = 'admin@example.com';
const ADMIN_PASSWORD = 'granite meadow signal 48';
const USER_EMAIL = 'pat@example.com';
const USER_PASSWORD = 'velvet canyon rocket 16';
const CLIENT_SECRET = randomBytes(16).toString('hex');

let idp: RunningTestIdp | undefined;
let gatehouse: RunningGatehouse | undefined;
let browser: LaunchedChromium | undefined;
const pageErrors: Error[] = [];

beforeAll(async () => {
  idp = await startTestIdp();
  gatehouse = await startGatehouse({
    configToml: [
      '[auth]',
      `token_secret = "${randomBytes(32).toString('hex')}"`,
      `admin_emails = ["${ADMIN_EMAIL}"]`,
      'registration_enabled = true',
      'bcrypt_cost = 10',
      '',
      '[auth.openid_connect]',
      'enabled = true',
      'name = "TestIdP"',
      'client_id = "gatehouse-e2e"',
      `client_secret = "${CLIENT_SECRET}"`,
      `configuration_endpoint = "${idp.issuer}/.well-known/openid-configuration"`,
      'button_text = "Sign in with the Test IdP"',
      'auto_launch = true',
      '',
    ].join('\n'),
  });
  await idp.configure(
    {
      client_id: 'gatehouse-e2e',
      client_secret: CLIENT_SECRET,
      redirect_uris: [`${gatehouse.baseUrl}/api/v1/auth/cookie/TestIdP/callback`],
      post_logout_redirect_uris: [`${gatehouse.baseUrl}/login`],
    },
    { erin: { email: 'erin@example.com', email_verified: true, name: 'Erin Example' } },
  );
  // The first-start admin: choose its password through the logged setup link.
  await setPasswordFromSetupLink(gatehouse, ADMIN_PASSWORD);
  browser = await launchChromium();
}, 150_000);

afterAll(async () => {
  await browser?.close();
  await gatehouse?.stop().catch(() => undefined);
  await idp?.close();
});

function running(): { server: RunningGatehouse; chromium: LaunchedChromium } {
  if (!gatehouse || !browser) throw new Error('beforeAll did not start the server and the browser');
  return { server: gatehouse, chromium: browser };
}

async function newPerson(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await running().chromium.newContext();
  return { context, page: await openPage(context, pageErrors) };
}

const accountHeading = (page: Page) => page.getByRole('heading', { name: 'Your account', level: 1 });

describe('the web UI', () => {
  test('auto-launch goes straight to the provider, whose own login page signs the person in; ?local=1 stays', async () => {
    const { server } = running();
    const { context, page } = await newPerson();
    await page.goto(`${server.baseUrl}/login`);
    await page.getByRole('heading', { name: 'Test IdP sign-in' }).waitFor();
    await page.getByLabel('Username').fill('erin');
    await page.getByRole('button', { name: 'Continue' }).click();
    await accountHeading(page).waitFor();
    expect(await page.getByRole('main').textContent()).toContain('Signed in as Erin Example (erin@example.com)');
    await page.getByRole('region', { name: 'Linked sign-in providers' }).getByText('TestIdP', { exact: true }).waitFor();
    await auditPage(page, 'account');

    await context.close();

    // ?local=1 keeps a visitor on the login page, with the password form and the provider button.
    const local = await newPerson();
    await local.page.goto(`${server.baseUrl}/login?local=1`);
    await local.page.getByLabel('Password', { exact: true }).waitFor();
    await local.page.getByRole('link', { name: 'Sign in with the Test IdP' }).waitFor();
    await auditPage(local.page, 'login');
    await local.context.close();
  });

  test('a refusal at the provider comes back as a specific message, without launching again', async () => {
    const { server } = running();
    const { context, page } = await newPerson();
    await page.goto(`${server.baseUrl}/login`);
    await page.getByRole('heading', { name: 'Test IdP sign-in' }).waitFor();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.waitForURL(`${server.baseUrl}/login?oidc_error=OIDC_ACCESS_DENIED`);
    await page.getByRole('alert').getByText('Sign-in was cancelled or refused at the identity provider.').waitFor();
    // Still here a moment later: the error stops auto-launch, so the reason stays on screen.
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.waitForTimeout(500);
    expect(new URL(page.url()).origin).toBe(server.baseUrl);
    await auditPage(page, 'login-error');
    await context.close();
  });

  test('register -> pending approval -> an admin verifies -> the user is in', async () => {
    const { server } = running();
    const user = await newPerson();
    await user.page.goto(`${server.baseUrl}/login?local=1`);
    await user.page.getByRole('link', { name: 'Create account' }).click();
    await user.page.getByRole('heading', { name: 'Create account' }).waitFor();
    await auditPage(user.page, 'register');
    await user.page.getByLabel('Email', { exact: true }).fill(USER_EMAIL);
    await user.page.getByLabel('Password', { exact: true }).fill(USER_PASSWORD);
    await user.page.getByRole('button', { name: 'Create account' }).click();
    await user.page.getByRole('heading', { name: 'Account created' }).waitFor();

    await signInWithPassword(user.page, server.baseUrl, USER_EMAIL, USER_PASSWORD);
    await user.page.getByRole('heading', { name: 'Waiting for approval' }).waitFor();
    await auditPage(user.page, 'pending-approval');

    const admin = await newPerson();
    await signInWithPassword(admin.page, server.baseUrl, ADMIN_EMAIL, ADMIN_PASSWORD);
    await accountHeading(admin.page).waitFor();
    await admin.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
    await admin.page.getByRole('heading', { name: 'Users', level: 1 }).waitFor();
    await admin.page.getByLabel('Search by email or name').fill('pat@');
    await admin.page.getByRole('button', { name: 'Search' }).click();
    await admin.page.getByText('1 user matches “pat@”.').waitFor();
    await auditPage(admin.page, 'users');
    // The checkbox shows the server's state: it flips once the change is saved.
    await admin.page.getByLabel(`Verified: ${USER_EMAIL}`).click();
    await admin.page.getByText(`Saved changes to ${USER_EMAIL}.`).waitFor();
    await admin.page.getByRole('checkbox', { name: `Verified: ${USER_EMAIL}`, checked: true }).waitFor();

    await user.page.reload();
    await accountHeading(user.page).waitFor();
    expect(await user.page.getByRole('main').textContent()).toContain(`Signed in as ${USER_EMAIL}`);
    await admin.context.close();
    await user.context.close();
  });

  test('an admin deactivates a signed-in user, who is then signed out and cannot sign in', async () => {
    const { server } = running();
    // Keyboard only: Tab from the top reaches the skip link (with a visible focus ring), then the
    // form; Enter submits it.
    const user = await newPerson();
    await user.page.goto(`${server.baseUrl}/login?local=1`);
    await user.page.getByLabel('Email', { exact: true }).waitFor();
    await user.page.keyboard.press('Tab');
    const focused = await user.page.evaluate(() => {
      const element = document.activeElement as HTMLElement;
      return { text: element.textContent, outline: getComputedStyle(element).outlineStyle };
    });
    expect(focused).toEqual({ text: 'Skip to content', outline: 'solid' });
    await user.page.keyboard.press('Tab'); // the Gatehouse home link
    await user.page.keyboard.press('Tab');
    await user.page.keyboard.type(USER_EMAIL);
    await user.page.keyboard.press('Tab');
    await user.page.keyboard.type(USER_PASSWORD);
    await user.page.keyboard.press('Enter');
    await accountHeading(user.page).waitFor();
    await user.page.getByRole('button', { name: 'Save' }).waitFor();

    const admin = await newPerson();
    await signInWithPassword(admin.page, server.baseUrl, ADMIN_EMAIL, ADMIN_PASSWORD);
    await accountHeading(admin.page).waitFor();
    await admin.page.goto(`${server.baseUrl}/admin/users?q=pat`);
    await admin.page.getByLabel(`Active: ${USER_EMAIL}`).click();
    await admin.page.getByText(`Saved changes to ${USER_EMAIL}.`).waitFor();

    // The user's next request answers 401, and the app takes them to the sign-in page.
    await user.page.getByRole('button', { name: 'Save' }).click();
    // The login page auto-launches the provider at once (so /login itself may be gone before a
    // URL check sees it): reaching the provider's page shows the app went through sign-in.
    // The password form refuses the deactivated account.
    await user.page.getByRole('heading', { name: 'Test IdP sign-in' }).waitFor();
    await signInWithPassword(user.page, server.baseUrl, USER_EMAIL, USER_PASSWORD);
    await user.page.getByRole('alert').waitFor();
    expect(await user.page.getByRole('alert').textContent()).toMatch(/\S/);
    expect((await user.page.request.get(`${server.baseUrl}/api/v1/users/me`)).status()).toBe(401);
    await admin.context.close();
    await user.context.close();
  });

  test('a signed-out visit to a page goes to sign-in (here, auto-launched) and back to that page afterwards', async () => {
    const { server } = running();
    const { context, page } = await newPerson();
    await page.goto(`${server.baseUrl}/admin/users?q=admin`);
    await page.getByRole('heading', { name: 'Test IdP sign-in' }).waitFor();
    await page.getByLabel('Username').fill('erin');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`${server.baseUrl}/admin/users?q=admin`);
    // Erin is no administrator: the page says so rather than showing anything.
    await page.getByText('Only administrators can manage users.').waitFor();

    await page.goto(`${server.baseUrl}/no/such/page`);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    await auditPage(page, 'not-found');
    await context.close();
  });

  test('no page threw a script error', () => {
    expect(pageErrors.map((error) => error.message)).toEqual([]);
  });
});
