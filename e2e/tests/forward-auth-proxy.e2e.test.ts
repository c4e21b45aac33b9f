// ForwardAuth through a real reverse proxy, in Chromium: Caddy's forward_auth (the contract
// Traefik's ForwardAuth speaks) guards a sample app on its own host name, app.gatehouse.test, and
// proxies Gatehouse on auth.gatehouse.test; Chromium resolves both to 127.0.0.1. Gatehouse sets
// cookie_domain = "gatehouse.test", so the app's host receives ForwardAuth's own credential
// (gatehouse_forward) — and never Gatehouse's host-only session cookie. Needs Caddy (Debian:
// apt-get install caddy): without it this suite fails (it is never skipped).
import { randomBytes } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BrowserContext, Page } from 'playwright-core';
import { launchChromium, type LaunchedChromium } from '../support/chromium.js';
import { findFreePort, setPasswordFromSetupLink, startGatehouse, type RunningGatehouse } from '../support/gatehouse-server.js';
import { startCaddy, type RunningCaddy } from '../support/caddy.js';
import { openPage } from '../support/pages.js';

const TOKEN_SECRET = randomBytes(32).toString('hex');
const ADMIN_EMAIL = 'admin@gatehouse.test';
const ADMIN_PASSWORD = 'correct horse battery staple';
const PENDING_EMAIL = 'newcomer@gatehouse.test';
const PENDING_PASSWORD = 'another correct horse battery';
const AUTH_HOST = 'auth.gatehouse.test';
const APP_HOST = 'app.gatehouse.test';

interface AppRequest {
  url: string;
  headers: IncomingHttpHeaders;
}

let caddy: RunningCaddy | undefined;
let gatehouse: RunningGatehouse | undefined;
let browser: LaunchedChromium | undefined;
let app: Server | undefined;
let proxyPort = 0;
const appRequests: AppRequest[] = [];
const pageErrors: Error[] = [];

const authOrigin = () => `http://${AUTH_HOST}:${proxyPort}`;
const appOrigin = () => `http://${APP_HOST}:${proxyPort}`;

/** The sample app: shows what reached it (the page asked for, the Remote-* headers, its cookies). */
function startSampleApp(port: number): Promise<Server> {
  const server = createServer((req, res) => {
    appRequests.push({ url: req.url ?? '', headers: req.headers });
    const escape = (value: string | string[] | undefined) => String(value ?? '').replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      `<!doctype html><html lang="en"><head><title>Sample app</title></head><body>` +
        `<h1>Sample app</h1><p id="path">${escape(req.url)}</p><p id="email">${escape(req.headers['remote-email'])}</p>` +
        `<p id="groups">${escape(req.headers['remote-groups'])}</p></body></html>`,
    );
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

beforeAll(async () => {
  proxyPort = await findFreePort();
  const gatehousePort = await findFreePort();
  const appPort = await findFreePort();
  app = await startSampleApp(appPort);
  gatehouse = await startGatehouse({
    port: gatehousePort,
    frontendUrl: `http://${AUTH_HOST}:${proxyPort}`,
    configToml: [
      '[auth]',
      `token_secret = "${TOKEN_SECRET}"`,
      `admin_emails = ["${ADMIN_EMAIL}"]`,
      'bcrypt_cost = 10',
      'registration_enabled = true',
      'cookie_domain = "gatehouse.test"',
      '',
      '[auth.forward_auth]',
      `allowed_hosts = ["${APP_HOST}"]`,
      '',
    ].join('\n'),
  });
  await setPasswordFromSetupLink(gatehouse, ADMIN_PASSWORD);
  caddy = await startCaddy({ port: proxyPort, gatehouseHost: AUTH_HOST, gatehousePort, appHost: APP_HOST, appPort });
  // An account awaiting approval, registered the ordinary way.
  const registered = await fetch(`${gatehouse.baseUrl}/api/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: PENDING_EMAIL, password: PENDING_PASSWORD }),
  });
  if (registered.status !== 201) throw new Error(`registering the pending account answered ${registered.status}: ${await registered.text()}`);
  browser = await launchChromium({ mapHostsToLoopback: [AUTH_HOST, APP_HOST] });
}, 150_000);

afterAll(async () => {
  await browser?.close();
  await caddy?.stop();
  await gatehouse?.stop().catch(() => undefined);
  await new Promise<void>((resolve) => (app ? app.close(() => resolve()) : resolve()));
});

async function newPerson(): Promise<{ context: BrowserContext; page: Page }> {
  if (!browser) throw new Error('beforeAll did not start the browser');
  const context = await browser.newContext();
  return { context, page: await openPage(context, pageErrors) };
}

/** Signs in on the page the proxy sent the browser to (Gatehouse's sign-in page, with returnTo). */
async function signInHere(page: Page, email: string, password: string): Promise<void> {
  await page.waitForURL(`${authOrigin()}/login?**`);
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

const appRequestsFor = (email: string) => appRequests.filter((request) => request.headers['remote-email'] === email);

/** A request through Caddy to one of its host names (Node's fetch would not let us set Host). */
function viaProxy(
  host: string,
  requestPath: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: proxyPort,
        path: requestPath,
        method: init.method ?? 'GET',
        headers: { ...init.headers, host: `${host}:${proxyPort}`, accept: 'application/json' },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        res.on('end', () => {
          let json: Record<string, unknown>;
          try {
            json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
          } catch {
            json = { text };
          }
          resolve({ status: res.statusCode ?? 0, json });
        });
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

/**
 * Waits until the page has followed the sign-in's redirect chain (Gatehouse -> return route ->
 * the app) to `url`. Chromium may abort one navigation of the chain for the next one, which
 * Playwright reports as ERR_ABORTED: that is the chain going on, so wait again.
 */
async function waitForRedirectsTo(page: Page, url: string): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await page.waitForURL(url);
      return;
    } catch (error) {
      if (attempt >= 3 || !/ERR_ABORTED|detached/.test(String(error))) throw error;
    }
  }
}

describe('ForwardAuth behind Caddy', () => {
  it('sends an anonymous visitor to sign in and back to the exact page asked for; the app sees Remote-Email', async () => {
    const { context, page } = await newPerson();
    const asked = '/library/shelf?id=42&sort=title%20asc';
    await page.goto(`${appOrigin()}${asked}`);
    expect(appRequests).toHaveLength(0); // the app was never reached anonymously
    await signInHere(page, ADMIN_EMAIL, ADMIN_PASSWORD);
    await waitForRedirectsTo(page, `${appOrigin()}${asked}`);
    expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe(asked);
    await expect(page.locator('#email').textContent()).resolves.toBe(ADMIN_EMAIL);
    await expect(page.locator('#path').textContent()).resolves.toBe(asked);
    const seen = appRequestsFor(ADMIN_EMAIL).at(-1)!;
    expect(seen.headers['remote-user']).toBe(ADMIN_EMAIL);

    // What the app's host received is ForwardAuth's credential only: no session, no CSRF cookie.
    const cookieHeader = String(seen.headers.cookie ?? '');
    const cookieNames = cookieHeader.split(';').map((pair) => pair.trim().split('=')[0]);
    expect(cookieNames).toEqual(['gatehouse_forward']);
    await context.close();
  });

  it("refuses the credential the app's host received at Gatehouse's API, as cookie and as Bearer", async () => {
    const seen = appRequestsFor(ADMIN_EMAIL).at(-1)!;
    const forwardToken = String(seen.headers.cookie).split('=').slice(1).join('=');
    expect(forwardToken.length).toBeGreaterThan(20);
    // The same path reaches Gatehouse with a real credential (so a 401 below is Gatehouse's answer).
    const login = await viaProxy(AUTH_HOST, '/api/v1/auth/jwt/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: ADMIN_EMAIL, password: ADMIN_PASSWORD }).toString(),
    });
    expect(login.status).toBe(200);
    const control = await viaProxy(AUTH_HOST, '/api/v1/users/me', { headers: { authorization: `Bearer ${String(login.json['access_token'])}` } });
    expect(control).toMatchObject({ status: 200, json: { email: ADMIN_EMAIL } });
    const credentials: Record<string, string>[] = [
      { cookie: `gatehouse_forward=${forwardToken}` },
      { cookie: `gatehouse_session=${forwardToken}` },
      { authorization: `Bearer ${forwardToken}` },
    ];
    for (const headers of credentials) {
      for (const apiPath of ['/api/v1/users/me', '/api/v1/users']) {
        const answer = await viaProxy(AUTH_HOST, apiPath, { headers });
        expect({ headers, apiPath, status: answer.status, detail: answer.json['detail'] }).toEqual({
          headers,
          apiPath,
          status: 401,
          detail: 'UNAUTHORIZED',
        });
      }
    }
  });

  it('closes the app again when the person signs out', async () => {
    const { context, page } = await newPerson();
    await page.goto(`${appOrigin()}/after-sign-out-check`);
    await signInHere(page, ADMIN_EMAIL, ADMIN_PASSWORD);
    await waitForRedirectsTo(page, `${appOrigin()}/after-sign-out-check`);
    await expect(page.locator('#email').textContent()).resolves.toBe(ADMIN_EMAIL);
    const forwardCookie = (await context.cookies(appOrigin())).find((cookie) => cookie.name === 'gatehouse_forward');
    expect(forwardCookie?.domain).toBe('.gatehouse.test');
    expect(forwardCookie?.httpOnly).toBe(true);
    // Gatehouse's own session cookie is host-only: the app's host has none.
    expect((await context.cookies(appOrigin())).map((cookie) => cookie.name)).toEqual(['gatehouse_forward']);

    await page.goto(`${authOrigin()}/`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${authOrigin()}/login**`);
    expect((await context.cookies(appOrigin())).find((cookie) => cookie.name === 'gatehouse_forward')).toBeUndefined();

    const before = appRequests.length;
    await page.goto(`${appOrigin()}/after-sign-out-check`);
    await page.waitForURL(`${authOrigin()}/login?**`);
    expect(appRequests.length).toBe(before);

    // Even a copy of the forward cookie kept from before the sign-out no longer opens the app.
    await context.addCookies([{ ...forwardCookie!, expires: -1 }]);
    await page.goto(`${appOrigin()}/after-sign-out-check`);
    await page.waitForURL(`${authOrigin()}/login?**`);
    expect(appRequests.length).toBe(before);
    await context.close();
  });

  it('does not let an account awaiting approval through: it lands on the pending page', async () => {
    const { context, page } = await newPerson();
    await page.goto(`${appOrigin()}/pending-check?x=1`);
    await signInHere(page, PENDING_EMAIL, PENDING_PASSWORD);
    // Several redirects in a row (return -> app -> Gatehouse's web UI): wait for where they end.
    await page.getByRole('heading', { name: 'Waiting for approval' }).waitFor();
    expect(page.url()).toBe(`${authOrigin()}/`);
    expect(appRequestsFor(PENDING_EMAIL)).toHaveLength(0);
    expect(appRequests.some((request) => request.url.startsWith('/pending-check'))).toBe(false);
    // Asked again directly: still the pending page, never the app.
    await page.goto(`${appOrigin()}/pending-check?x=2`);
    await page.getByRole('heading', { name: 'Waiting for approval' }).waitFor();
    expect(appRequestsFor(PENDING_EMAIL)).toHaveLength(0);
    await context.close();
  });

  it('once approved, the self-registered account passes without its unproven address; a forged Remote-Email never reaches the app', async () => {
    const login = await viaProxy(AUTH_HOST, '/api/v1/auth/jwt/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: ADMIN_EMAIL, password: ADMIN_PASSWORD }).toString(),
    });
    const adminAuth = { authorization: `Bearer ${String(login.json['access_token'])}` };
    const listed = await viaProxy(AUTH_HOST, '/api/v1/users/all', { headers: adminAuth });
    const newcomer = (listed.json as unknown as { id: string; email: string }[]).find((user) => user.email === PENDING_EMAIL)!;
    const approved = await viaProxy(AUTH_HOST, `/api/v1/users/${newcomer.id}`, {
      method: 'PATCH',
      headers: { ...adminAuth, 'content-type': 'application/json' },
      body: JSON.stringify({ is_verified: true }),
    });
    expect(approved).toMatchObject({ status: 200, json: { is_verified: true } });

    const { context, page } = await newPerson();
    // The visitor claims to be the administrator in the headers the app trusts.
    await context.setExtraHTTPHeaders({ 'Remote-Email': ADMIN_EMAIL, 'Remote-User': ADMIN_EMAIL, 'Remote-Email-Verified': 'true' });
    await page.goto(`${appOrigin()}/approved-check`);
    await signInHere(page, PENDING_EMAIL, PENDING_PASSWORD);
    await waitForRedirectsTo(page, `${appOrigin()}/approved-check`);
    const seen = appRequests.filter((request) => request.url === '/approved-check').at(-1)!;
    expect(seen.headers['remote-user']).toBe(`gatehouse:${newcomer.id}`);
    expect(seen.headers['remote-email'] ?? '').toBe('');
    expect(seen.headers['remote-email-verified']).toBe('false');
    expect(JSON.stringify(seen.headers)).not.toContain(ADMIN_EMAIL);
    expect(JSON.stringify(seen.headers)).not.toContain(PENDING_EMAIL);
    await context.close();
  });

  it('raised no script errors in the pages', () => {
    expect(pageErrors).toEqual([]);
  });
});
