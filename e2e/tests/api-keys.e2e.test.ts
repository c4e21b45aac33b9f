// API keys end to end, in Chromium against the built server: a person makes a key on the account
// page, copies it (the Copy button writes the clipboard; the test reads it back), uses it from
// outside the browser as `Authorization: Bearer <key>` (GET /api/v1/users/me: 200), revokes it on
// the page after confirming, and the same call is refused (401).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { launchChromium, type LaunchedChromium } from '../support/chromium.js';
import { startGatehouse, type RunningGatehouse, setPasswordFromSetupLink } from '../support/gatehouse-server.js';
import { auditPage, openPage, signInWithPassword } from '../support/pages.js';

const EMAIL = 'admin@example.com';
const PASSWORD = 'harbour quill meadow 62';

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

async function getMeWithKey(baseUrl: string, key: string): Promise<number> {
  const response = await fetch(`${baseUrl}/api/v1/users/me`, { headers: { Authorization: `Bearer ${key}`, Accept: 'application/json' } });
  await response.arrayBuffer();
  return response.status;
}

test('create an API key on the account page, use it, revoke it', async () => {
  if (!gatehouse || !browser) throw new Error('beforeAll did not start the server and the browser');
  const baseUrl = gatehouse.baseUrl;
  const context = await browser.newContext();
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(baseUrl).origin });
  const page = await openPage(context, pageErrors);

  await signInWithPassword(page, baseUrl, EMAIL, PASSWORD);
  await page.getByRole('heading', { name: 'Your account', level: 1 }).waitFor();
  const section = page.getByRole('region', { name: 'API keys' });
  await section.getByText('You have no API keys.').waitFor();
  // An administrator may make an admin key; 90 days is the default.
  expect(
    await section
      .getByLabel('Access')
      .locator('option')
      .evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value)),
  ).toEqual(['read', 'write', 'admin']);
  expect(await section.getByLabel('Expires after').inputValue()).toBe('90');

  await section.getByLabel('Name', { exact: true }).fill('e2e script');
  await section.getByRole('button', { name: 'Create key' }).click();
  const field = section.getByLabel('Your new API key');
  await field.waitFor();
  const shown = await field.inputValue();
  expect(shown).toMatch(/^gh_[A-Za-z0-9_-]+$/);
  await section.getByText('You will not see it again', { exact: false }).waitFor();
  await section.getByText(`curl -H "Authorization: Bearer ${shown}" ${baseUrl}/api/v1/users/me`).waitFor();

  // Copy: the button writes the clipboard, read back here (granted above; 127.0.0.1 is a secure context).
  await section.getByRole('button', { name: 'Copy' }).click();
  await section.getByText('Copied to the clipboard.').waitFor();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  expect(copied).toBe(shown);
  await auditPage(page, 'api-key-created');

  // The key works from outside the browser.
  expect(await getMeWithKey(baseUrl, copied)).toBe(200);

  // Once saved, the key is gone from the page; the list shows it by name and prefix, used once.
  await section.getByRole('button', { name: 'I have saved it' }).click();
  expect(await section.getByLabel('Your new API key').count()).toBe(0);
  expect(await page.getByText(copied).count()).toBe(0);
  await page.reload();
  const list = page.getByRole('list', { name: 'Your API keys' });
  const item = list.getByRole('listitem').filter({ hasText: 'e2e script' });
  await item.waitFor();
  await item.getByText(/Last used .+ from /).waitFor();

  // Revoke, after confirming; then the key is refused.
  await item.getByRole('button', { name: 'Revoke e2e script' }).click();
  await page.getByRole('button', { name: 'Yes, revoke e2e script' }).click();
  await section.getByText('Revoked “e2e script”: it no longer works.').waitFor();
  await section.getByText('You have no API keys.').waitFor();
  expect(await getMeWithKey(baseUrl, copied)).toBe(401);

  expect(pageErrors.map((error) => error.message)).toEqual([]);
}, 180_000);
