// Single sign-on end to end: the built server with an OpenID Connect provider configured, a real
// OpenID Provider (oidc-provider) on 127.0.0.1, and Chromium clicking through the login page,
// the provider's sign-in form, back to Gatehouse signed in, and out again at both.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { launchChromium, type LaunchedChromium } from '../support/chromium.js';
import { startGatehouse, type RunningGatehouse } from '../support/gatehouse-server.js';
import { openPage } from '../support/pages.js';
import { startTestIdp, type RunningTestIdp } from '../support/test-idp.js';

const CLIENT_SECRET = randomBytes(16).toString('hex');
const TOKEN_SECRET = randomBytes(32).toString('hex');

let idp: RunningTestIdp | undefined;
let gatehouse: RunningGatehouse | undefined;
let browser: LaunchedChromium | undefined;
const pageErrors: Error[] = [];

beforeAll(async () => {
  idp = await startTestIdp();
  gatehouse = await startGatehouse({
    configToml: [
      '[auth]',
      `token_secret = "${TOKEN_SECRET}"`,
      'admin_emails = []',
      'bcrypt_cost = 10',
      '',
      '[auth.openid_connect]',
      'enabled = true',
      'name = "TestIdP"',
      'client_id = "gatehouse-e2e"',
      `client_secret = "${CLIENT_SECRET}"`,
      `configuration_endpoint = "${idp.issuer}/.well-known/openid-configuration"`,
      'button_text = "Sign in with the Test IdP"',
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
    { 'e2e-user': { email: 'e2e.user@example.com', email_verified: true, name: 'Erin Example', preferred_username: 'erin' } },
  );
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await gatehouse?.stop().catch(() => undefined);
  await idp?.close();
});

function running(): { server: RunningGatehouse; chromium: LaunchedChromium } {
  if (!gatehouse || !browser) throw new Error('beforeAll did not start the server and the browser');
  return { server: gatehouse, chromium: browser };
}

describe('single sign-on in the browser', () => {
  test('the login button leads through the provider and back, signed in; signing out also ends the provider session', async () => {
    const { server, chromium } = running();
    // The admin was told what to register.
    await server.waitForLog((line) => line.json?.['redirect_uri'] === `${server.baseUrl}/api/v1/auth/cookie/TestIdP/callback`);

    const page = await openPage(chromium.context, pageErrors);
    await page.goto(`${server.baseUrl}/login`);
    await page.getByRole('link', { name: 'Sign in with the Test IdP' }).click();
    await page.getByRole('heading', { name: 'Test IdP sign-in' }).waitFor();
    await page.getByLabel('Username').fill('e2e-user');
    await page.getByRole('button', { name: 'Continue' }).click();

    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    expect(new URL(page.url()).origin).toBe(server.baseUrl);
    const main = (await page.getByRole('main').textContent()) ?? '';
    expect(main).toContain('Signed in as Erin Example (e2e.user@example.com)');
    const linked = page.getByRole('region', { name: 'Linked sign-in providers' });
    await linked.getByText('TestIdP', { exact: true }).waitFor();

    // Signing out of Gatehouse continues at the provider, which then sends the browser back.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign out of the Test IdP?' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${server.baseUrl}/login`);
    await page.getByRole('link', { name: 'Sign in with the Test IdP' }).waitFor();
    expect((await page.request.get(`${server.baseUrl}/api/v1/users/me`)).status()).toBe(401);

    await page.close();
    expect(pageErrors.map((error) => error.message)).toEqual([]);
  });

  test('a failed sign-in shows the message for its code, never text from the address', async () => {
    const { server, chromium } = running();
    const page = await openPage(chromium.context, pageErrors);
    await page.goto(`${server.baseUrl}/login?oidc_error=OIDC_ACCESS_DENIED`);
    await page.getByRole('alert').getByText('Sign-in was cancelled or refused at the identity provider.').waitFor();
    await page.goto(`${server.baseUrl}/login?oidc_error=%3Cb%3Epwned%3C%2Fb%3E`);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).not.toContain('pwned');
    await page.close();
    expect(pageErrors.map((error) => error.message)).toEqual([]);
  });
});
