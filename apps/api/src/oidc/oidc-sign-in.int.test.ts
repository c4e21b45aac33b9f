// OpenID Connect sign-in against a real OpenID Provider (npm oidc-provider on 127.0.0.1), driven
// over HTTP with a cookie jar, end to end: authorize -> provider login -> callback -> session.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { API_PREFIX, CSRF_COOKIE, CSRF_HEADER, OIDC_TRANSACTION_COOKIE, SESSION_COOKIE } from '@gatehouse/shared';
import { createTestContext, type TestContext } from '../test-support/test-context.js';
import { STRONG_PASSWORD, createUser, loginBearer } from '../test-support/fixtures.js';
import { startTestIdp, type TestIdp } from '../test-support/oidc-test-idp.js';
import {
  GATEHOUSE_ORIGIN,
  authorizeUrl,
  buildOidcProviderConfig,
  callbackUri,
  countAccountRows,
  expectRefused,
  newBrowser,
  proveEmailOf,
  signInThrough,
} from '../test-support/oidc-fixtures.js';
import type { TestBrowser } from '../test-support/oidc-browser.js';
import { logOidcProviders } from './providers.js';

const SECRET = 'test-client-secret';
const ADMIN_GROUP = 'gatehouse-admins';

describe('OpenID Connect sign-in with a real provider', () => {
  let idp: TestIdp;
  let otherIdp: TestIdp;
  let t: TestContext;

  const me = (browser: TestBrowser) => request(t.app).get(`${API_PREFIX}/users/me`).set('Cookie', browser.gatehouseCookieHeader());
  const csrfOf = (browser: TestBrowser) => browser.cookie(GATEHOUSE_ORIGIN, CSRF_COOKIE)!;

  beforeAll(async () => {
    const client = (name: string, extra: object = {}) => ({
      client_id: `client-${name}`,
      client_secret: SECRET,
      redirect_uris: [callbackUri(name)],
      post_logout_redirect_uris: [`${GATEHOUSE_ORIGIN}/login`],
      ...extra,
    });
    idp = await startTestIdp([client('TestIdP'), client('Closed'), client('Members'), client('BadSecret', { client_secret: 'the-real-secret' })]);
    otherIdp = await startTestIdp([client('Other')]);
    const provider = (name: string, extra: object = {}) =>
      buildOidcProviderConfig({
        name,
        client_id: `client-${name}`,
        client_secret: SECRET,
        configuration_endpoint: `${idp.issuer}/.well-known/openid-configuration`,
        scopes: 'openid email profile groups',
        ...extra,
      });
    t = await createTestContext({
      config: {
        auth: {
          admin_emails: ['boss@example.com', 'fake-boss@example.com'],
          openid_connect: [
            provider('TestIdP', { admin_groups: [ADMIN_GROUP], icon_url: '/icons/idp.svg' }),
            provider('Closed', { auto_register: false }),
            provider('Members', { allowed_groups: ['media'] }),
            provider('BadSecret'),
            provider('Other', { configuration_endpoint: `${otherIdp.issuer}/`, button_text: 'Use the other one' }),
          ],
        },
      },
    });
    // An admin that is not from the IdP, so group changes never touch the last admin.
    await createUser(t.ctx, { email: 'root@example.com', isSuperuser: true });
  });
  afterAll(async () => {
    await t.close();
    await idp.close();
    await otherIdp.close();
  });

  describe('the contract', () => {
    it('lists the providers in the metadata, with redirect URI and authorize link', async () => {
      const res = await request(t.app).get(`${API_PREFIX}/auth/metadata`);
      expect(res.body.oauth_providers).toEqual(['TestIdP', 'Closed', 'Members', 'BadSecret', 'Other']);
      expect(res.body.oidc_providers[0]).toEqual({
        name: 'TestIdP',
        button_text: 'Sign in with TestIdP',
        icon_url: '/icons/idp.svg',
        auto_launch: false,
        authorize_url: `${API_PREFIX}/auth/cookie/TestIdP/authorize?redirect=true`,
        redirect_uri: callbackUri('TestIdP'),
      });
      expect(res.body.oidc_providers[4].button_text).toBe('Use the other one');
    });

    it('logs each redirect URI at start-up, ready to paste', () => {
      logOidcProviders(t.ctx.config, t.ctx.logger);
      const lines = t.logLines().filter((line) => typeof line.redirect_uri === 'string');
      expect(lines.map((line) => line.redirect_uri)).toEqual(expect.arrayContaining([callbackUri('TestIdP'), callbackUri('Other')]));
      expect(lines[0]!.msg).toContain(`register the redirect URI ${callbackUri('TestIdP')}`);
      expect(lines[0]!.post_logout_redirect_uri).toBe(`${GATEHOUSE_ORIGIN}/login`);
    });

    it('authorize answers {authorization_url} (PKCE S256, state, nonce) and sets a Lax, HttpOnly transaction cookie', async () => {
      const res = await request(t.app).get(`${API_PREFIX}/auth/cookie/TestIdP/authorize`);
      expect(res.status).toBe(200);
      const url = new URL(res.body.authorization_url);
      expect(url.origin).toBe(idp.issuer);
      expect(Object.fromEntries(url.searchParams)).toMatchObject({
        client_id: 'client-TestIdP',
        response_type: 'code',
        redirect_uri: callbackUri('TestIdP'),
        scope: 'openid email profile groups',
        code_challenge_method: 'S256',
      });
      for (const param of ['state', 'nonce', 'code_challenge']) expect(url.searchParams.get(param)).toMatch(/^[\w-]{22,}$/);
      const cookie = (res.headers['set-cookie'] as unknown as string[]).find((line) => line.startsWith(`${OIDC_TRANSACTION_COOKIE}=`))!;
      expect(cookie).toMatch(/HttpOnly/i);
      expect(cookie).toMatch(/SameSite=Lax/i);
      expect(cookie).toMatch(new RegExp(`Path=${API_PREFIX}/auth(;|$)`));
      expect(cookie).toMatch(/Max-Age=600/);
      // Encrypted: neither the state nor the PKCE verifier can be read from it.
      expect(decodeURIComponent(cookie)).not.toContain(url.searchParams.get('state')!);
    });

    it('redirect=true answers 302 to the provider; an unknown or wrong-case name is refused', async () => {
      const res = await request(t.app).get(`${API_PREFIX}/auth/cookie/TestIdP/authorize?redirect=true`);
      expect(res.status).toBe(302);
      expect(res.headers.location).toMatch(new RegExp(`^${idp.issuer}/auth\\?`));
      const json = await request(t.app).get(`${API_PREFIX}/auth/cookie/testidp/authorize`);
      expect(json.status).toBe(404);
      expect(json.body.detail).toBe('OIDC_PROVIDER_NOT_FOUND');
      const redirect = await request(t.app).get(`${API_PREFIX}/auth/cookie/testidp/authorize?redirect=true`);
      expect(redirect.headers.location).toBe(`${GATEHOUSE_ORIGIN}/login?oidc_error=OIDC_PROVIDER_NOT_FOUND`);
    });
  });

  describe('accounts', () => {
    it('a first sign-in creates the user; a second one reuses it', async () => {
      idp.setAccount('alice-sub', { email: 'Alice@Example.com', email_verified: true, name: 'Alice Liddell', preferred_username: 'Alice Liddell' });
      const before = await countAccountRows(t);
      const browser = newBrowser(t);
      idp.loginAs('alice-sub');
      const { landedOn } = await signInThrough(browser, 'TestIdP', '/admin/users?page=2');
      expect(landedOn.href).toBe(`${GATEHOUSE_ORIGIN}/admin/users?page=2`);
      // The transaction cookie is spent and gone.
      expect(browser.cookie(GATEHOUSE_ORIGIN, OIDC_TRANSACTION_COOKIE)).toBeUndefined();
      const profile = await me(browser);
      expect(profile.status).toBe(200);
      expect(profile.body).toMatchObject({
        email: 'alice@example.com',
        username: 'alice.liddell',
        display_name: 'Alice Liddell',
        is_verified: true,
        is_superuser: false,
        has_password: false,
      });
      const link = await t.ctx.db.prisma.linkedAccount.findFirstOrThrow({ where: { subject: 'alice-sub' } });
      expect(link).toMatchObject({ provider: 'TestIdP', issuer: idp.issuer, userId: profile.body.id });
      const session = await t.ctx.db.prisma.session.findFirstOrThrow({ where: { userId: profile.body.id } });
      expect(session.authMethod).toBe('oidc:TestIdP');
      expect(await countAccountRows(t)).toEqual({ users: before.users + 1, links: before.links + 1, sessions: before.sessions + 1 });

      const again = newBrowser(t);
      idp.loginAs('alice-sub');
      await signInThrough(again, 'TestIdP');
      expect((await me(again)).body.id).toBe(profile.body.id);
      const after = await countAccountRows(t);
      expect({ users: after.users, links: after.links }).toEqual({ users: before.users + 1, links: before.links + 1 });
      // The session list never shows the stored ID token.
      const sessions = await request(t.app).get(`${API_PREFIX}/users/me/sessions`).set('Cookie', again.gatehouseCookieHeader());
      expect(JSON.stringify(sessions.body)).not.toMatch(/eyJ/);
    });

    it('a taken username gets a random 6-digit suffix', async () => {
      await t.ctx.db.prisma.user.create({ data: { email: 'first-bob@example.com', username: 'bob' } });
      idp.setAccount('bob-sub', { email: 'bob@example.com', email_verified: true, preferred_username: 'Bob' });
      const browser = newBrowser(t);
      idp.loginAs('bob-sub');
      await signInThrough(browser, 'TestIdP');
      expect((await me(browser)).body.username).toMatch(/^bob\d{6}$/);
    });

    it('links an existing account by email when the provider says it is verified and the account proved its address', async () => {
      const carol = await createUser(t.ctx, { email: 'carol@example.com' });
      // Linking to an unproven address is refused (OIDC_EMAIL_UNPROVEN, see oidc-identity-binding.int.test.ts).
      await proveEmailOf(t, carol.id);
      idp.setAccount('carol-sub', { email: 'carol@example.com', email_verified: true });
      const browser = newBrowser(t);
      idp.loginAs('carol-sub');
      await signInThrough(browser, 'TestIdP');
      expect((await me(browser)).body).toMatchObject({ id: carol.id, has_password: true });
      expect(await t.ctx.db.prisma.linkedAccount.count({ where: { userId: carol.id } })).toBe(1);
      await expect(loginBearer(t.app, 'carol@example.com', STRONG_PASSWORD)).resolves.toEqual(expect.any(String));
    });

    it('refuses to link an existing account by an unverified email, and links nothing', async () => {
      const dave = await createUser(t.ctx, { email: 'dave@example.com' });
      idp.setAccount('dave-sub', { email: 'dave@example.com', email_verified: false });
      const before = await countAccountRows(t);
      const browser = newBrowser(t);
      idp.loginAs('dave-sub');
      const { landedOn } = await signInThrough(browser, 'TestIdP');
      expectRefused(landedOn, browser, 'OIDC_EMAIL_NOT_VERIFIED');
      expect(await countAccountRows(t)).toEqual(before);
      expect(await t.ctx.db.prisma.linkedAccount.count({ where: { userId: dave.id } })).toBe(0);
      expect(t.logText()).toMatch(/did not say email_verified: true, so it was not linked/);
    });

    it('with auto_register off, refuses unknown people and creates nothing', async () => {
      idp.setAccount('erin-sub', { email: 'erin@example.com', email_verified: true });
      const before = await countAccountRows(t);
      const browser = newBrowser(t);
      idp.loginAs('erin-sub');
      const { landedOn } = await signInThrough(browser, 'Closed');
      expectRefused(landedOn, browser, 'OIDC_REGISTRATION_DISABLED');
      expect(await countAccountRows(t)).toEqual(before);
      expect(t.logText()).toMatch(/auto_register is false for \\"Closed\\"/);
    });

    it('admin_groups makes a member admin, and leaving the group removes it at the next sign-in', async () => {
      idp.setAccount('gina-sub', { email: 'gina@example.com', email_verified: true, groups: [ADMIN_GROUP, 'media'] });
      const first = newBrowser(t);
      idp.loginAs('gina-sub');
      await signInThrough(first, 'TestIdP');
      expect((await me(first)).body.is_superuser).toBe(true);
      idp.setAccount('gina-sub', { email: 'gina@example.com', email_verified: true, groups: ['media'] });
      const second = newBrowser(t);
      idp.loginAs('gina-sub');
      await signInThrough(second, 'TestIdP');
      expect((await me(second)).body.is_superuser).toBe(false);
    });

    it('admin_emails grants admin at sign-in only on a verified email (an unverified one gets no account at all)', async () => {
      idp.setAccount('boss-sub', { email: 'boss@example.com', email_verified: true });
      idp.setAccount('fake-boss-sub', { email: 'fake-boss@example.com', email_verified: false });
      const boss = newBrowser(t);
      idp.loginAs('boss-sub');
      await signInThrough(boss, 'TestIdP');
      expect((await me(boss)).body.is_superuser).toBe(true);
      const bossRow = await t.ctx.db.prisma.user.findUniqueOrThrow({ where: { email: 'boss@example.com' } });
      expect(bossRow.emailVerifiedAt).not.toBeNull();
      const before = await countAccountRows(t);
      const impostor = newBrowser(t);
      idp.loginAs('fake-boss-sub');
      expectRefused((await signInThrough(impostor, 'TestIdP')).landedOn, impostor, 'OIDC_EMAIL_NOT_VERIFIED');
      expect(await countAccountRows(t)).toEqual(before);
      expect(await t.ctx.db.prisma.user.count({ where: { email: 'fake-boss@example.com' } })).toBe(0);
    });

    it('allowed_groups lets members in and refuses everyone else', async () => {
      idp.setAccount('outsider-sub', { email: 'outsider@example.com', email_verified: true, groups: ['other'] });
      idp.setAccount('member-sub', { email: 'member@example.com', email_verified: true, groups: ['media'] });
      const before = await countAccountRows(t);
      const outsider = newBrowser(t);
      idp.loginAs('outsider-sub');
      expectRefused((await signInThrough(outsider, 'Members')).landedOn, outsider, 'OIDC_USER_NOT_ALLOWED');
      expect(await countAccountRows(t)).toEqual(before);
      const member = newBrowser(t);
      idp.loginAs('member-sub');
      await signInThrough(member, 'Members');
      expect((await me(member)).body.email).toBe('member@example.com');
    });

    it('refuses a new person without an email claim', async () => {
      idp.setAccount('nomail-sub', { name: 'No Mail' });
      const before = await countAccountRows(t);
      const browser = newBrowser(t);
      idp.loginAs('nomail-sub');
      expectRefused((await signInThrough(browser, 'TestIdP')).landedOn, browser, 'OIDC_EMAIL_MISSING');
      expect(await countAccountRows(t)).toEqual(before);
    });

    it('refuses a deactivated account', async () => {
      const gone = await createUser(t.ctx, { email: 'gone@example.com', isActive: false });
      await proveEmailOf(t, gone.id);
      idp.setAccount('gone-sub', { email: 'gone@example.com', email_verified: true });
      const browser = newBrowser(t);
      idp.loginAs('gone-sub');
      expectRefused((await signInThrough(browser, 'TestIdP')).landedOn, browser, 'OIDC_ACCOUNT_DISABLED');
    });

    it('two providers at once: both link to one account, which lists and unlinks them, but never the last one', async () => {
      idp.setAccount('hank-sub', { email: 'hank@example.com', email_verified: true });
      otherIdp.setAccount('hank-other-sub', { email: 'hank@example.com', email_verified: true });
      const browser = newBrowser(t);
      idp.loginAs('hank-sub');
      await signInThrough(browser, 'TestIdP');
      const other = newBrowser(t);
      otherIdp.loginAs('hank-other-sub');
      await signInThrough(other, 'Other');
      const hank = (await me(browser)).body;
      expect((await me(other)).body.id).toBe(hank.id);

      const list = await request(t.app).get(`${API_PREFIX}/users/me/linked-accounts`).set('Cookie', other.gatehouseCookieHeader());
      expect(list.status).toBe(200);
      expect(list.body.map((link: { provider: string; issuer: string }) => [link.provider, link.issuer])).toEqual([
        ['TestIdP', idp.issuer],
        ['Other', otherIdp.issuer],
      ]);
      expect(list.body[0]).toMatchObject({ email: 'hank@example.com', last_login_at: expect.any(String), created_at: expect.any(String) });

      const unlink = (id: string) =>
        request(t.app)
          .delete(`${API_PREFIX}/users/me/linked-accounts/${id}`)
          .set('Cookie', other.gatehouseCookieHeader())
          .set(CSRF_HEADER, csrfOf(other));
      expect((await unlink(list.body[0].id)).status).toBe(204);
      const last = await unlink(list.body[1].id);
      expect(last.status).toBe(409);
      expect(last.body.detail).toBe('LAST_SIGN_IN_METHOD');
      const missing = await unlink(list.body[0].id);
      expect(missing.status).toBe(404);
      expect(missing.body.detail).toBe('LINKED_ACCOUNT_NOT_FOUND');
    });
  });

  describe('errors a user can act on', () => {
    it('access_denied at the provider', async () => {
      const browser = newBrowser(t);
      idp.refuseNextLogin();
      expectRefused((await signInThrough(browser, 'TestIdP')).landedOn, browser, 'OIDC_ACCESS_DENIED');
    });

    it('invalid_client (a wrong client secret), with a log line naming the fix and not the secret', async () => {
      idp.setAccount('ivan-sub', { email: 'ivan@example.com', email_verified: true });
      const before = await countAccountRows(t);
      const browser = newBrowser(t);
      idp.loginAs('ivan-sub');
      expectRefused((await signInThrough(browser, 'BadSecret')).landedOn, browser, 'OIDC_INVALID_CLIENT');
      expect(await countAccountRows(t)).toEqual(before);
      const line = t.logLines().find((entry) => entry.code === 'OIDC_INVALID_CLIENT')!;
      expect(line.msg).toMatch(/Check client_id, client_secret and token_endpoint_auth_method/);
      expect(t.logText()).not.toContain(SECRET);
    });

    it('redirect_uri_mismatch from the provider (as Google answers it): the page says so, the log names the URI to register', async () => {
      idp.setAccount('rita-sub', { email: 'rita@example.com', email_verified: true });
      const browser = newBrowser(t);
      idp.loginAs('rita-sub');
      const flow = await browser.follow(authorizeUrl('TestIdP'), (next) => next.pathname.endsWith('/callback'));
      const callback = new URL(flow.final.location!);
      const state = callback.searchParams.get('state')!;
      // What the provider sends back instead of a code; its own description is never shown.
      const refused = new URL(callback.pathname, callback.origin);
      refused.searchParams.set('error', 'redirect_uri_mismatch');
      refused.searchParams.set('error_description', '<script>alert(1)</script>');
      refused.searchParams.set('state', state);
      const before = await countAccountRows(t);
      const res = await browser.request(refused.href);
      expect(res.location).toBe(`${GATEHOUSE_ORIGIN}/login?oidc_error=OIDC_REDIRECT_URI_MISMATCH`);
      expect(browser.sessionCookie()).toBeUndefined();
      expect(await countAccountRows(t)).toEqual(before);
      const line = t.logLines().find((entry) => entry.code === 'OIDC_REDIRECT_URI_MISMATCH')!;
      expect(line.msg).toContain(`Register exactly ${callbackUri('TestIdP')}`);
      expect(t.logText()).not.toContain('<script>');
    });
  });

  describe('RP-initiated logout and key rotation', () => {
    it('signing out returns the provider’s end-session URL, which the provider accepts', async () => {
      idp.setAccount('jane-sub', { email: 'jane@example.com', email_verified: true });
      const browser = newBrowser(t);
      idp.loginAs('jane-sub');
      await signInThrough(browser, 'TestIdP');
      const logout = await request(t.app)
        .post(`${API_PREFIX}/auth/cookie/logout`)
        .set('Cookie', browser.gatehouseCookieHeader())
        .set(CSRF_HEADER, csrfOf(browser));
      expect(logout.status).toBe(200);
      const endSession = new URL(logout.body.end_session_url);
      expect(endSession.origin).toBe(idp.issuer);
      expect(endSession.searchParams.get('post_logout_redirect_uri')).toBe(`${GATEHOUSE_ORIGIN}/login`);
      expect(endSession.searchParams.get('client_id')).toBe('client-TestIdP');
      expect(endSession.searchParams.get('id_token_hint')).toMatch(/^eyJ/);
      expect((await me(browser)).status).toBe(401);

      // The provider accepts it (valid id_token_hint and registered post-logout URI): it asks to
      // confirm, and then sends the browser back to Gatehouse's login page.
      const confirm = await browser.request(endSession.href);
      expect(confirm.status).toBe(200);
      const xsrf = /name="xsrf" value="([^"]+)"/.exec(confirm.body)?.[1];
      const action = /action="([^"]+)"/.exec(confirm.body)?.[1];
      expect(xsrf).toBeDefined();
      const done = await browser.request(new URL(action!, idp.issuer).href, { method: 'POST', form: { xsrf: xsrf!, logout: 'yes' } });
      expect(done.status).toBe(303);
      expect(done.location).toBe(`${GATEHOUSE_ORIGIN}/login`);
    });

    it('a password session signs out with 204 as before', async () => {
      await createUser(t.ctx, { email: 'kim@example.com' });
      const login = await request(t.app).post(`${API_PREFIX}/auth/cookie/login`).send({ username: 'kim@example.com', password: STRONG_PASSWORD });
      const cookies = (login.headers['set-cookie'] as unknown as string[]).map((line) => line.split(';')[0]!);
      const csrf = cookies.find((c) => c.startsWith(`${CSRF_COOKIE}=`))!.split('=')[1]!;
      const logout = await request(t.app).post(`${API_PREFIX}/auth/cookie/logout`).set('Cookie', cookies.join('; ')).set(CSRF_HEADER, csrf);
      expect(logout.status).toBe(204);
    });

    it('picks up keys the provider rotated, without a restart', async () => {
      idp.setAccount('leo-sub', { email: 'leo@example.com', email_verified: true });
      const signIn = async () => {
        const browser = newBrowser(t);
        idp.loginAs('leo-sub');
        await signInThrough(browser, 'TestIdP');
        return (await me(browser)).status;
      };
      expect(await signIn()).toBe(200);
      const fetchedBefore = idp.requestCount('/jwks');
      expect(fetchedBefore).toBeGreaterThan(0);
      // Same keys: the cached set is used.
      expect(await signIn()).toBe(200);
      expect(idp.requestCount('/jwks')).toBe(fetchedBefore);
      await idp.rotateKeys();
      expect(await signIn()).toBe(200);
      expect(idp.requestCount('/jwks')).toBe(fetchedBefore + 1);
    });
  });

  describe('attacks on the flow end with no session and no user', () => {
    /** Runs a flow up to (not into) Gatehouse's callback; returns the callback URL. */
    async function stopAtCallback(browser: TestBrowser, accountId: string, provider = 'TestIdP'): Promise<URL> {
      idp.loginAs(accountId);
      const flow = await browser.follow(authorizeUrl(provider), (next) => next.pathname.endsWith('/callback'));
      return new URL(flow.final.location!);
    }

    beforeAll(() => {
      idp.setAccount('mallory-sub', { email: 'mallory@example.com', email_verified: true });
      idp.setAccount('victim-sub', { email: 'victim@example.com', email_verified: true });
    });

    it('a state that does not match the transaction', async () => {
      const browser = newBrowser(t);
      const callback = await stopAtCallback(browser, 'mallory-sub');
      callback.searchParams.set('state', 'forged-state-value-0123456789');
      const before = await countAccountRows(t);
      const res = await browser.request(callback.href);
      expect(res.location).toBe(`${GATEHOUSE_ORIGIN}/login?oidc_error=OIDC_LOGIN_FAILED`);
      expect(browser.sessionCookie()).toBeUndefined();
      expect(await countAccountRows(t)).toEqual(before);
      expect(t.logText()).toMatch(/state returned by the provider does not match/);
    });

    it('a callback without the transaction cookie', async () => {
      const browser = newBrowser(t);
      const callback = await stopAtCallback(browser, 'mallory-sub');
      const before = await countAccountRows(t);
      const res = await newBrowser(t).request(callback.href);
      expect(res.location).toBe(`${GATEHOUSE_ORIGIN}/login?oidc_error=OIDC_LOGIN_FAILED`);
      expect(res.setCookies.some((line) => line.startsWith(`${SESSION_COOKIE}=`))).toBe(false);
      expect(await countAccountRows(t)).toEqual(before);
    });

    it('a replayed callback (the same transaction twice)', async () => {
      const browser = newBrowser(t);
      const callback = await stopAtCallback(browser, 'mallory-sub');
      const transaction = browser.cookie(GATEHOUSE_ORIGIN, OIDC_TRANSACTION_COOKIE)!;
      const first = await browser.request(callback.href);
      expect(first.location).toBe(`${GATEHOUSE_ORIGIN}/`);
      const before = await countAccountRows(t);
      const replayer = newBrowser(t);
      const replay = await replayer.request(callback.href, { extraCookies: `${OIDC_TRANSACTION_COOKIE}=${transaction}` });
      expect(replay.location).toBe(`${GATEHOUSE_ORIGIN}/login?oidc_error=OIDC_LOGIN_FAILED`);
      expect(replayer.sessionCookie()).toBeUndefined();
      expect(await countAccountRows(t)).toEqual(before);
      expect(t.logText()).toMatch(/already used: a replayed or repeated callback was refused/);
    });

    it('a code issued for another PKCE verifier (code injection) is refused by the provider', async () => {
      const attacker = newBrowser(t);
      const attackerCallback = await stopAtCallback(attacker, 'mallory-sub');
      const victim = newBrowser(t);
      const victimCallback = await stopAtCallback(victim, 'victim-sub');
      // The attacker's code, with the victim's own state and transaction cookie: only PKCE stops it.
      victimCallback.searchParams.set('code', attackerCallback.searchParams.get('code')!);
      const before = await countAccountRows(t);
      const res = await victim.request(victimCallback.href);
      expect(res.location).toBe(`${GATEHOUSE_ORIGIN}/login?oidc_error=OIDC_LOGIN_FAILED`);
      expect(victim.sessionCookie()).toBeUndefined();
      expect(await countAccountRows(t)).toEqual(before);
      expect(t.logText()).toMatch(/invalid_grant/);
    });

    it('a callback path in another case, or with a trailing slash', async () => {
      for (const mangle of [(path: string) => path.replace('/TestIdP/', '/testidp/'), (path: string) => `${path}/`]) {
        const browser = newBrowser(t);
        const callback = await stopAtCallback(browser, 'mallory-sub');
        callback.pathname = mangle(callback.pathname);
        const before = await countAccountRows(t);
        const res = await browser.request(callback.href);
        expect([302, 404]).toContain(res.status);
        if (res.status === 302) expect(res.location).toBe(`${GATEHOUSE_ORIGIN}/login?oidc_error=OIDC_LOGIN_FAILED`);
        expect(browser.sessionCookie()).toBeUndefined();
        expect(await countAccountRows(t)).toEqual(before);
      }
      expect(t.logText()).toMatch(/callback of \\"testidp\\", which is not an enabled provider\. The name in the redirect URI is case-sensitive/);
    });

    it('a returnTo outside Gatehouse lands on / instead', async () => {
      for (const returnTo of [
        '//evil.example/x',
        '/\\evil.example',
        'https://evil.example/',
        'javascript:alert(1)',
        '/\t/evil.example',
        '/..//evil.example',
      ]) {
        const browser = newBrowser(t);
        idp.loginAs('mallory-sub');
        const { landedOn } = await signInThrough(browser, 'TestIdP', returnTo);
        expect({ returnTo, landedOn: landedOn.href }).toEqual({ returnTo, landedOn: `${GATEHOUSE_ORIGIN}/` });
      }
    });
  });
});

describe('the single-provider redirect URI of newer MediaManager versions', () => {
  it('signs in through /api/v1/auth/oauth/callback when callback = "oauth"', async () => {
    const oauthCallback = `${GATEHOUSE_ORIGIN}${API_PREFIX}/auth/oauth/callback`;
    const idp = await startTestIdp([{ client_id: 'mm', client_secret: SECRET, redirect_uris: [oauthCallback] }]);
    const t = await createTestContext({
      config: {
        auth: {
          openid_connect: [buildOidcProviderConfig({ name: 'Authentik', client_id: 'mm', configuration_endpoint: idp.issuer, callback: 'oauth' })],
        },
      },
    });
    try {
      const metadata = await request(t.app).get(`${API_PREFIX}/auth/metadata`);
      expect(metadata.body.oidc_providers[0].redirect_uri).toBe(oauthCallback);
      idp.setAccount('mm-sub', { email: 'mm@example.com', email_verified: true });
      idp.loginAs('mm-sub');
      const browser = newBrowser(t);
      const { landedOn, flow } = await signInThrough(browser, 'Authentik');
      expect(flow.visited.some((url) => url.startsWith(`${oauthCallback}?`))).toBe(true);
      expect(landedOn.href).toBe(`${GATEHOUSE_ORIGIN}/`);
      expect(browser.sessionCookie()).toBeDefined();
    } finally {
      await t.close();
      await idp.close();
    }
  });
});
