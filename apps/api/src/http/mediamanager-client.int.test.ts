// MediaManager's own web client against Gatehouse (issue 19): every call its SvelteKit app makes,
// replayed as a browser sends it — a cookie jar, Origin and Sec-Fetch-Site set by the browser, no
// custom header (no X-CSRF-Token) — with fastapi-users' answers expected. Then the same writes from
// another site, refused with the session untouched, and the non-browser case (neither header).
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import request from 'supertest';
import type { Express } from 'express';
import { API_PREFIX, CSRF_COOKIE, CSRF_HEADER, OIDC_TRANSACTION_COOKIE, SESSION_COOKIE, apiPath } from '@gatehouse/shared';
import { createTestContext, type TestContext } from '../test-support/test-context.js';
import { STRONG_PASSWORD, createUser, loginBearer, loginCookie, readSetCookies } from '../test-support/fixtures.js';
import { startFakeIdp, type FakeIdp } from '../test-support/fake-idp.js';
import { buildOidcProviderConfig } from '../test-support/oidc-fixtures.js';

jest.setTimeout(180_000);

const FRONTEND = 'http://gatehouse.test';
const NEW_PASSWORD = 'a different horse battery staple';

type Method = 'get' | 'post' | 'patch' | 'delete';

/** The browser's own signals for a request from a page on `origin` (undefined: a non-browser client). */
interface BrowserSignals {
  origin?: string;
  fetchSite?: 'same-origin' | 'same-site' | 'cross-site' | 'none';
}

const SAME_ORIGIN: BrowserSignals = { origin: FRONTEND, fetchSite: 'same-origin' };

/**
 * One browser: a cookie jar for Gatehouse's host, and requests that carry exactly what a browser
 * adds by itself (Cookie, Origin, Sec-Fetch-Site) and what the page's script sends — nothing else.
 */
class Browser {
  readonly jar = new Map<string, string>();
  constructor(private readonly app: Express) {}

  async send(
    method: Method,
    path: string,
    options: { json?: object; form?: Record<string, string>; query?: string; signals?: BrowserSignals } = {},
  ): Promise<request.Response> {
    const { signals = SAME_ORIGIN } = options;
    let pending = request(this.app)[method](API_PREFIX + path + (options.query ?? ''));
    if (this.jar.size > 0) pending = pending.set('Cookie', [...this.jar].map(([name, value]) => `${name}=${value}`).join('; '));
    if (signals.origin !== undefined) pending = pending.set('Origin', signals.origin);
    if (signals.fetchSite !== undefined) pending = pending.set('Sec-Fetch-Site', signals.fetchSite).set('Sec-Fetch-Mode', 'cors');
    if (options.form) pending = pending.type('form').send(options.form);
    else if (options.json) pending = pending.send(options.json);
    const res = await pending;
    for (const [name, value] of Object.entries(readSetCookies(res))) {
      if (value === '') this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return res;
  }

  /** MediaManager's login card: form-encoded, `scope` empty. */
  signIn(email: string, password = STRONG_PASSWORD, signals: BrowserSignals = SAME_ORIGIN) {
    return this.send('post', '/auth/cookie/login', { form: { username: email, password, scope: '' }, signals });
  }

  get sessionToken(): string | undefined {
    return this.jar.get(SESSION_COOKIE);
  }
}

/** Whether a session token still signs anyone in (as a cookie, the transport it was issued for). */
async function isSessionAlive(app: Express, token: string): Promise<boolean> {
  const res = await request(app).get(apiPath('getMe')).set('Cookie', `${SESSION_COOKIE}=${token}`);
  return res.status === 200;
}

describe("MediaManager's web client, same-origin, without X-CSRF-Token", () => {
  let t: TestContext;
  let admin: Browser;

  beforeAll(async () => {
    t = await createTestContext();
    await createUser(t.ctx, { email: 'admin@example.com', isSuperuser: true });
    await createUser(t.ctx, { email: 'alice@example.com' });
    admin = new Browser(t.app);
    expect((await admin.signIn('admin@example.com')).status).toBe(204);
  });
  afterAll(() => t.close());

  it('signs in (form, scope="") and reads /users/me', async () => {
    const browser = new Browser(t.app);
    const login = await browser.signIn('alice@example.com');
    expect(login.status).toBe(204);
    expect(browser.sessionToken).toBeDefined();
    const me = await browser.send('get', '/users/me');
    expect(me.status).toBe(200);
    expect(me.body.email).toBe('alice@example.com');
  });

  it('signs in again while the earlier session cookie is still set: 204, and the earlier session is revoked', async () => {
    const browser = new Browser(t.app);
    expect((await browser.signIn('alice@example.com')).status).toBe(204);
    const earlier = browser.sessionToken!;
    const again = await browser.signIn('alice@example.com');
    expect(again.status).toBe(204);
    expect(browser.sessionToken).not.toBe(earlier);
    expect(await isSessionAlive(t.app, earlier)).toBe(false);
    expect(await isSessionAlive(t.app, browser.sessionToken!)).toBe(true);
    // Even when the earlier session was someone else's: it is ended, not left behind.
    const aliceSession = browser.sessionToken!;
    expect((await browser.signIn('admin@example.com')).status).toBe(204);
    expect(await isSessionAlive(t.app, aliceSession)).toBe(false);
    expect((await browser.send('get', '/users/me')).body.email).toBe('admin@example.com');
  });

  it('a failed sign-in leaves the session the browser already has alone', async () => {
    const browser = new Browser(t.app);
    await browser.signIn('alice@example.com');
    const session = browser.sessionToken!;
    const wrong = await browser.signIn('alice@example.com', 'not the password at all');
    expect(wrong.status).toBe(400);
    expect(wrong.body.detail).toBe('LOGIN_BAD_CREDENTIALS');
    expect(await isSessionAlive(t.app, session)).toBe(true);
  });

  it('signs out: POST /auth/cookie/logout with no body answers 204, ends the session and clears the cookies', async () => {
    const browser = new Browser(t.app);
    await browser.signIn('alice@example.com');
    const session = browser.sessionToken!;
    const logout = await browser.send('post', '/auth/cookie/logout');
    expect(logout.status).toBe(204);
    expect(browser.jar.has(SESSION_COOKIE)).toBe(false);
    expect(browser.jar.has(CSRF_COOKIE)).toBe(false);
    expect(await isSessionAlive(t.app, session)).toBe(false);
    // A second sign-out has no session to end, and says so rather than failing silently.
    const again = await browser.send('post', '/auth/cookie/logout');
    expect(again.status).toBe(401);
    expect(again.body).toMatchObject({ detail: 'UNAUTHORIZED', message: expect.any(String) });
  });

  it("registers with fastapi-users' UserCreate body (is_* null): 201, an ordinary account awaiting approval", async () => {
    const browser = new Browser(t.app);
    const res = await browser.send('post', '/auth/register', {
      json: { email: 'newcomer@example.com', password: STRONG_PASSWORD, is_active: null, is_superuser: null, is_verified: null },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ email: 'newcomer@example.com', is_active: true, is_superuser: false, is_verified: false });
  });

  it('registration ignores is_active/is_superuser/is_verified sent as true or false: they grant nothing', async () => {
    const browser = new Browser(t.app);
    const res = await browser.send('post', '/auth/register', {
      json: { email: 'climber@example.com', password: STRONG_PASSWORD, is_active: false, is_superuser: true, is_verified: true },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ is_active: true, is_superuser: false, is_verified: false });
    // Still pending: signed in, it may read /users/me but nothing else.
    expect((await browser.signIn('climber@example.com')).status).toBe(204);
    expect((await browser.send('patch', '/users/me', { json: {} })).body.detail).toBe('ACCOUNT_PENDING_APPROVAL');
  });

  it('registration still refuses unknown fields and wrongly typed flags (422 naming them)', async () => {
    const browser = new Browser(t.app);
    const unknown = await browser.send('post', '/auth/register', {
      json: { email: 'odd@example.com', password: STRONG_PASSWORD, role: 'admin' },
    });
    expect(unknown.status).toBe(422);
    expect(unknown.body.detail).toBe('VALIDATION_ERROR');
    expect(JSON.stringify(unknown.body.errors)).toContain('role');
    const typed = await browser.send('post', '/auth/register', {
      json: { email: 'odd@example.com', password: STRONG_PASSWORD, is_superuser: 'yes' },
    });
    expect(typed.status).toBe(422);
    expect(JSON.stringify(typed.body.errors)).toContain('is_superuser');
  });

  it('PATCH /users/me with {} answers 200 with the unchanged user', async () => {
    const browser = new Browser(t.app);
    await browser.signIn('alice@example.com');
    const before = await browser.send('get', '/users/me');
    const res = await browser.send('patch', '/users/me', { json: {} });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(before.body);
  });

  it('PATCH /users/me changing the password or email without current_password: 400 CURRENT_PASSWORD_REQUIRED (a deliberate difference)', async () => {
    const browser = new Browser(t.app);
    await browser.signIn('alice@example.com');
    for (const body of [{ password: NEW_PASSWORD }, { email: 'alice.new@example.com' }]) {
      const res = await browser.send('patch', '/users/me', { json: body });
      expect(res.status).toBe(400);
      expect(res.body.detail).toBe('CURRENT_PASSWORD_REQUIRED');
    }
    expect((await browser.send('get', '/users/me')).body.email).toBe('alice@example.com');
    const withPassword = await browser.send('patch', '/users/me', { json: { email: 'alice.new@example.com', current_password: STRONG_PASSWORD } });
    expect(withPassword.status).toBe(200);
    expect(withPassword.body.email).toBe('alice.new@example.com');
    await browser.send('patch', '/users/me', { json: { email: 'alice@example.com', current_password: STRONG_PASSWORD } });
  });

  it('an administrator verifies, activates and promotes with PATCH /users/{id} {is_verified, is_active, is_superuser}, and deletes', async () => {
    const target = await createUser(t.ctx, { email: 'bob@example.com', isVerified: false });
    const patch = await admin.send('patch', `/users/${target.id}`, { json: { is_verified: true, is_active: true, is_superuser: false } });
    expect(patch.status).toBe(200);
    expect(patch.body).toMatchObject({ is_verified: true, is_active: true, is_superuser: false });
    const all = await admin.send('get', '/users/all');
    expect(all.status).toBe(200);
    const removed = await admin.send('delete', `/users/${target.id}`);
    expect(removed.status).toBe(204);
    expect((await admin.send('get', `/users/${target.id}`)).status).toBe(404);
  });

  it('forgot-password and reset-password answer as the client expects (202; a bad token is 400 RESET_PASSWORD_BAD_TOKEN)', async () => {
    const browser = new Browser(t.app);
    const forgot = await browser.send('post', '/auth/forgot-password', { json: { email: 'alice@example.com' } });
    expect(forgot.status).toBe(202);
    const reset = await browser.send('post', '/auth/reset-password', { json: { token: 'not-a-token', password: NEW_PASSWORD } });
    expect(reset.status).toBe(400);
    expect(reset.body.detail).toBe('RESET_PASSWORD_BAD_TOKEN');
  });

  it('serves the OpenAPI document at /openapi.json too, where generated clients look', async () => {
    const root = await request(t.app).get('/openapi.json');
    expect(root.status).toBe(200);
    expect(root.headers['content-type']).toMatch(/^application\/json/);
    const underApi = await request(t.app).get(apiPath('openapi'));
    expect(root.body).toEqual(underApi.body);
    expect(root.body.paths['/api/v1/auth/oauth/authorize']).toBeDefined();
    expect((await request(t.app).post('/openapi.json')).status).toBe(405);
  });
});

describe('writes from another site are refused, the session untouched', () => {
  let t: TestContext;
  let alice: Browser;
  let admin: Browser;
  let bobId: string;

  beforeAll(async () => {
    // cookie_domain set: sibling apps (app.example.com) are the same *site* as Gatehouse.
    t = await createTestContext({
      config: {
        misc: { frontend_url: 'https://auth.example.com', cors_urls: ['https://media.example.com'] },
        auth: { cookie_domain: 'example.com' },
      },
    });
    await createUser(t.ctx, { email: 'admin@example.com', isSuperuser: true });
    await createUser(t.ctx, { email: 'alice@example.com' });
    bobId = (await createUser(t.ctx, { email: 'bob@example.com', isVerified: false })).id;
    const own: BrowserSignals = { origin: 'https://auth.example.com', fetchSite: 'same-origin' };
    alice = new Browser(t.app);
    admin = new Browser(t.app);
    expect((await alice.signIn('alice@example.com', STRONG_PASSWORD, own)).status).toBe(204);
    expect((await admin.signIn('admin@example.com', STRONG_PASSWORD, own)).status).toBe(204);
  });
  afterAll(() => t.close());

  const HOSTILE: Record<string, BrowserSignals> = {
    'a foreign Origin, Sec-Fetch-Site: cross-site': { origin: 'https://evil.example', fetchSite: 'cross-site' },
    'a sibling subdomain, Sec-Fetch-Site: same-site': { origin: 'https://app.example.com', fetchSite: 'same-site' },
    'Origin: null (sandboxed frame)': { origin: 'null', fetchSite: 'cross-site' },
    'a foreign Origin and no Sec-Fetch-Site (older browser, or plain http)': { origin: 'https://evil.example' },
    'Sec-Fetch-Site: cross-site and no Origin': { fetchSite: 'cross-site' },
    'Sec-Fetch-Site: same-site and no Origin': { fetchSite: 'same-site' },
    'the frontend’s host on another scheme': { origin: 'http://auth.example.com', fetchSite: 'same-site' },
  };

  for (const [label, signals] of Object.entries(HOSTILE)) {
    it(`${label}: every MediaManager write answers 403 CSRF_FAILED and changes nothing`, async () => {
      const aliceSession = alice.sessionToken!;
      const adminSession = admin.sessionToken!;
      const before = (await alice.send('get', '/users/me')).body;
      const refusals = [
        await alice.send('post', '/auth/cookie/logout', { signals }),
        await alice.signIn('admin@example.com', STRONG_PASSWORD, signals),
        await alice.send('patch', '/users/me', { json: { display_name: 'Mallory' }, signals }),
        await alice.send('post', '/auth/register', { json: { email: 'forged@example.com', password: STRONG_PASSWORD }, signals }),
        await admin.send('patch', `/users/${bobId}`, { json: { is_verified: true, is_active: true, is_superuser: true }, signals }),
        await admin.send('delete', `/users/${bobId}`, { signals }),
      ];
      for (const res of refusals) {
        expect(res.status).toBe(403);
        expect(res.body.detail).toBe('CSRF_FAILED');
        expect(res.body.message).toMatch(/refused/);
        expect(res.headers['set-cookie']).toBeUndefined();
      }
      expect(alice.sessionToken).toBe(aliceSession);
      expect(admin.sessionToken).toBe(adminSession);
      expect(await isSessionAlive(t.app, aliceSession)).toBe(true);
      expect((await alice.send('get', '/users/me')).body).toEqual(before);
      const bob = await admin.send('get', `/users/${bobId}`);
      expect(bob.body).toMatchObject({ is_verified: false, is_superuser: false });
      expect(await t.ctx.db.prisma.user.count({ where: { email: 'forged@example.com' } })).toBe(0);
    });
  }

  it('an origin listed in cors_urls may write, even cross-site (the operator trusts it)', async () => {
    const trusted: BrowserSignals = { origin: 'https://media.example.com', fetchSite: 'cross-site' };
    const res = await alice.send('patch', '/users/me', { json: {}, signals: trusted });
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe('https://media.example.com');
  });

  it('Sec-Fetch-Site: none (the user’s own action, e.g. a bookmarked form) passes like same-origin', async () => {
    const res = await alice.send('patch', '/users/me', { json: {}, signals: { fetchSite: 'none' } });
    expect(res.status).toBe(200);
  });

  it('safe methods are never refused, whatever the signals (they change nothing)', async () => {
    const res = await alice.send('get', '/users/me', { signals: { origin: 'https://evil.example', fetchSite: 'cross-site' } });
    expect(res.status).toBe(200);
  });
});

describe('a write with neither Origin nor Sec-Fetch-Site (not a browser)', () => {
  let t: TestContext;
  const NO_SIGNALS: BrowserSignals = {};

  beforeAll(async () => {
    t = await createTestContext();
    await createUser(t.ctx, { email: 'script@example.com' });
  });
  afterAll(() => t.close());

  it('anonymous and Bearer requests pass: a page cannot make a browser send them', async () => {
    const browser = new Browser(t.app);
    expect((await browser.signIn('script@example.com', STRONG_PASSWORD, NO_SIGNALS)).status).toBe(204);
    const token = await loginBearer(t.app, 'script@example.com');
    const res = await request(t.app).patch(apiPath('updateMe')).set('Authorization', `Bearer ${token}`).send({ display_name: 'Script' });
    expect(res.status).toBe(200);
  });

  it('a cookie session must send its X-CSRF-Token; without it, 403 CSRF_FAILED saying what to do', async () => {
    const session = await loginCookie(t.app, 'script@example.com');
    const bare = await request(t.app).patch(apiPath('updateMe')).set('Cookie', session.cookie).send({ display_name: 'Forged' });
    expect(bare.status).toBe(403);
    expect(bare.body.detail).toBe('CSRF_FAILED');
    expect(bare.body.message).toContain(CSRF_HEADER);
    expect(bare.body.message).toContain('Bearer');
    const logout = await request(t.app).post(apiPath('cookieLogout')).set('Cookie', session.cookie);
    expect(logout.status).toBe(403);
    expect(await isSessionAlive(t.app, session.sessionToken)).toBe(true);
    const other = await loginCookie(t.app, 'script@example.com');
    const wrongToken = await request(t.app)
      .patch(apiPath('updateMe'))
      .set('Cookie', session.cookie)
      .set(CSRF_HEADER, other.csrf)
      .send({ display_name: 'Forged' });
    expect(wrongToken.status).toBe(403);
    const withToken = await request(t.app)
      .patch(apiPath('updateMe'))
      .set('Cookie', session.cookie)
      .set(CSRF_HEADER, session.csrf)
      .send({ display_name: 'Scripted' });
    expect(withToken.status).toBe(200);
    expect(withToken.body.display_name).toBe('Scripted');
  });
});

describe("GET /auth/oauth/authorize, MediaManager's single-provider form", () => {
  let idp: FakeIdp;
  let second: FakeIdp;
  let t: TestContext;

  const provider = (name: string, issuer: string, extra: object = {}) =>
    buildOidcProviderConfig({ name, configuration_endpoint: `${issuer}/.well-known/openid-configuration`, ...extra });

  beforeAll(async () => {
    idp = await startFakeIdp('gatehouse');
    second = await startFakeIdp('gatehouse');
    t = await createTestContext({
      config: { auth: { openid_connect: [provider('Authentik', idp.issuer, { callback: 'oauth', scopes: 'openid email profile groups' })] } },
    });
  });
  afterAll(async () => {
    await t.close();
    await idp.close();
    await second.close();
  });

  it('with one provider: 200 {authorization_url} for its flow, the callback registered for it, the scopes asked for', async () => {
    const browser = new Browser(t.app);
    const res = await browser.send('get', '/auth/oauth/authorize', { query: '?scopes=openid&scopes=email&scopes=profile' });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(['authorization_url']);
    const url = new URL(res.body.authorization_url as string);
    expect(`${url.origin}${url.pathname}`).toBe(`${idp.issuer}/authorize`);
    expect(url.searchParams.get('redirect_uri')).toBe(`${FRONTEND}${API_PREFIX}/auth/oauth/callback`);
    expect(url.searchParams.get('scope')).toBe('openid email profile');
    expect(browser.jar.has(OIDC_TRANSACTION_COOKIE)).toBe(true);
  });

  it('then window.location = authorization_url: the provider sends the browser back and it is signed in', async () => {
    const browser = new Browser(t.app);
    const started = await browser.send('get', '/auth/oauth/authorize', { query: '?scopes=openid&scopes=email&scopes=profile' });
    const atProvider = await fetch(started.body.authorization_url as string, { redirect: 'manual' });
    const back = new URL(atProvider.headers.get('location')!);
    const callback = await browser.send('get', back.pathname.slice(API_PREFIX.length), { query: back.search, signals: { fetchSite: 'cross-site' } });
    expect(callback.status).toBe(302);
    expect(callback.headers.location).toBe(`${FRONTEND}/`);
    const me = await browser.send('get', '/users/me');
    expect(me.status).toBe(200);
    expect(me.body.email).toBe('fake.user@example.com');
  });

  it('the query may narrow the configured scopes, never widen them ("openid" always stays)', async () => {
    const scopeFor = async (query: string) => {
      const res = await new Browser(t.app).send('get', '/auth/oauth/authorize', { query });
      expect(res.status).toBe(200);
      return new URL(res.body.authorization_url as string).searchParams.get('scope');
    };
    expect(await scopeFor('')).toBe('openid email profile groups');
    expect(await scopeFor('?scopes=email')).toBe('openid email');
    expect(await scopeFor('?scopes=openid&scopes=offline_access&scopes=admin')).toBe('openid');
    expect(await scopeFor('?scopes=email%20groups')).toBe('openid email groups');
  });

  it('answers the same shape as /auth/cookie/{name}/authorize, including ?redirect=true', async () => {
    const named = await new Browser(t.app).send('get', '/auth/cookie/Authentik/authorize');
    const single = await new Browser(t.app).send('get', '/auth/oauth/authorize');
    expect(Object.keys(single.body)).toEqual(Object.keys(named.body));
    const redirect = await new Browser(t.app).send('get', '/auth/oauth/authorize', { query: '?redirect=true' });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.location).toMatch(new RegExp(`^${idp.issuer}/authorize\\?`));
  });

  it("with several providers: 400 OIDC_PROVIDER_REQUIRED naming each provider's own route", async () => {
    const several = await createTestContext({
      config: { auth: { openid_connect: [provider('Authentik', idp.issuer), provider('Pocket ID', second.issuer)] } },
    });
    try {
      const res = await new Browser(several.app).send('get', '/auth/oauth/authorize', { query: '?scopes=openid' });
      expect(res.status).toBe(400);
      expect(res.body.detail).toBe('OIDC_PROVIDER_REQUIRED');
      expect(res.body.message).toContain(`${API_PREFIX}/auth/cookie/Authentik/authorize`);
      expect(res.body.message).toContain(`${API_PREFIX}/auth/cookie/Pocket%20ID/authorize`);
    } finally {
      await several.close();
    }
  });

  it('with none: 404 OIDC_PROVIDER_NOT_FOUND; a malformed scopes query: 422 naming it', async () => {
    const none = await createTestContext();
    try {
      const res = await new Browser(none.app).send('get', '/auth/oauth/authorize');
      expect(res.status).toBe(404);
      expect(res.body.detail).toBe('OIDC_PROVIDER_NOT_FOUND');
    } finally {
      await none.close();
    }
    const tooMany = await new Browser(t.app).send('get', '/auth/oauth/authorize', { query: `?${'scopes=a&'.repeat(25)}` });
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.errors[0].field).toBe('scopes');
  });
});
