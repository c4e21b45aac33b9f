// Cross-site protection as real Chromium exercises it (issue 19): a page on Gatehouse's own origin
// calls the API the way MediaManager's web client does — plain fetch, no X-CSRF-Token — and works;
// a page on a sibling origin (another port of 127.0.0.1: the same *site*, so the SameSite=Lax
// session cookie does ride along) and a page on another site cannot sign the person out.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { Page } from 'playwright-core';
import { launchChromium, type LaunchedChromium } from '../support/chromium.js';
import { signInWithPassword } from '../support/pages.js';
import { startGatehouse, type RunningGatehouse, setPasswordFromSetupLink } from '../support/gatehouse-server.js';

const ADMIN_EMAIL = 'admin@example.com';
const ADMIN_PASSWORD = 'lantern quarry thimble 39';

let gatehouse: RunningGatehouse | undefined;
let browser: LaunchedChromium | undefined;
let forger: http.Server | undefined;
let forgerPort = 0;

beforeAll(async () => {
  gatehouse = await startGatehouse({
    configToml: ['[auth]', `token_secret = "${randomBytes(32).toString('hex')}"`, `admin_emails = ["${ADMIN_EMAIL}"]`, 'bcrypt_cost = 10', ''].join(
      '\n',
    ),
  });
  await setPasswordFromSetupLink(gatehouse, ADMIN_PASSWORD);
  // Another web site's page: it submits a form to the URL in ?target= as soon as it loads.
  forger = http.createServer((req, res) => {
    const target = new URL(req.url ?? '/', 'http://forger').searchParams.get('target') ?? '';
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<!doctype html><form method="post" action="${target.replace(/"/g, '')}"></form><script>document.forms[0].submit()</script>`);
  });
  await new Promise<void>((resolve) => forger!.listen(0, '127.0.0.1', resolve));
  forgerPort = (forger.address() as AddressInfo).port;
  browser = await launchChromium({ mapHostsToLoopback: ['evil.test'] });
}, 150_000);

afterAll(async () => {
  await browser?.close();
  await gatehouse?.stop().catch(() => undefined);
  await new Promise<void>((resolve) => (forger ? forger.close(() => resolve()) : resolve()));
});

function running(): { server: RunningGatehouse; chromium: LaunchedChromium } {
  if (!gatehouse || !browser) throw new Error('beforeAll did not start the server and the browser');
  return { server: gatehouse, chromium: browser };
}

/** Signs in through the web UI and waits until the account page shows. */
async function signedInPage(): Promise<Page> {
  const { server, chromium } = running();
  const page = await (await chromium.newContext()).newPage();
  await signInWithPassword(page, server.baseUrl, ADMIN_EMAIL, ADMIN_PASSWORD);
  await page.getByRole('heading', { name: 'Your account', level: 1 }).waitFor();
  return page;
}

test("MediaManager's calls from a page on Gatehouse's origin work without any custom header", async () => {
  const { server, chromium } = running();
  const page = await (await chromium.newContext()).newPage();
  await page.goto(`${server.baseUrl}/login?local=1`);
  const sent: Record<string, string>[] = [];
  page.on('request', (req) => {
    if (req.method() !== 'GET' && req.url().includes('/api/v1/')) sent.push(req.headers());
  });
  const statuses = await page.evaluate(
    async ({ email, password }) => {
      const form = () => ({
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ username: email, password, scope: '' }),
      });
      const json = (method: string, body: object) => ({ method, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      const statusOf = async (path: string, init?: RequestInit) => (await fetch(`/api/v1${path}`, init)).status;
      return {
        login: await statusOf('/auth/cookie/login', form()),
        loginAgain: await statusOf('/auth/cookie/login', form()),
        me: await statusOf('/users/me'),
        patchMe: await statusOf('/users/me', json('PATCH', {})),
        logout: await statusOf('/auth/cookie/logout', { method: 'POST' }),
        meAfter: await statusOf('/users/me'),
      };
    },
    { email: ADMIN_EMAIL, password: ADMIN_PASSWORD },
  );
  expect(statuses).toEqual({ login: 204, loginAgain: 204, me: 200, patchMe: 200, logout: 204, meAfter: 401 });
  // What made them pass is the browser's own signals, not a token.
  expect(sent.length).toBe(4);
  for (const headers of sent) {
    expect(headers['x-csrf-token']).toBeUndefined();
  }
});

for (const [label, forgerHost, fetchSite, isCookieSent] of [
  ['a sibling origin on the same site (another port: the session cookie rides along)', '127.0.0.1', 'same-site', true],
  ['another site', 'evil.test', 'cross-site', false],
] as const) {
  test(`a form on ${label} cannot sign the person out`, async () => {
    const { server } = running();
    const page = await signedInPage();
    const target = `${server.baseUrl}/api/v1/auth/cookie/logout`;
    const answer = page.waitForResponse((res) => res.url() === target);
    await page.goto(`http://${forgerHost}:${forgerPort}/?target=${encodeURIComponent(target)}`);
    const refused = await answer;
    expect(refused.status()).toBe(403);
    expect(await refused.json()).toMatchObject({ detail: 'CSRF_FAILED' });
    const sentHeaders = await refused.request().allHeaders();
    expect(sentHeaders['origin']).toBe(`http://${forgerHost}:${forgerPort}`);
    expect(sentHeaders['sec-fetch-site']).toBe(fetchSite);
    // SameSite=Lax keeps the cookie off the cross-site post; only the Origin check stops the same-site one.
    expect((sentHeaders['cookie'] ?? '').includes('gatehouse_session=')).toBe(isCookieSent);
    // Still signed in: the session was not touched.
    expect((await page.request.get(`${server.baseUrl}/api/v1/users/me`)).status()).toBe(200);
    await page.context().close();
  });
}
