// Issue 18, the identity layer of SSO: who a sign-in lands as (link by email only to a proven
// account, auto-registration only for a verified email, admin_emails only on a proven address), and
// re-authentication before linking, unlinking or an email change. Every attack ends with the
// attacker getting nothing: no session in the victim's account, no link row, no admin.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { API_PREFIX, CSRF_COOKIE, CSRF_HEADER, OIDC_ERROR_MESSAGES } from '@gatehouse/shared';
import { createTestContext, type TestContext } from '../test-support/test-context.js';
import {
  STRONG_PASSWORD,
  createUser,
  crossSiteHeaders,
  csrfHeaders,
  loginBearer,
  loginCookie,
  type CookieSession,
} from '../test-support/fixtures.js';
import { startTestIdp, type TestIdp } from '../test-support/oidc-test-idp.js';
import {
  GATEHOUSE_ORIGIN,
  buildOidcProviderConfig,
  callbackUri,
  countAccountRows,
  expectRefused,
  hasSessionCookie,
  newBrowser,
  proveEmailOf,
  signInThrough,
} from '../test-support/oidc-fixtures.js';
import type { TestBrowser } from '../test-support/oidc-browser.js';

const SECRET = 'binding-test-secret';
const COLLEAGUE = 'colleague@example.com';
const LINKS = `${API_PREFIX}/users/me/linked-accounts`;
const REAUTH = `${API_PREFIX}/users/me/reauthenticate`;
const ME = `${API_PREFIX}/users/me`;
const WINDOW_SECONDS = 300;

describe('identity binding: who an SSO sign-in lands as', () => {
  let idp: TestIdp;
  let t: TestContext;

  beforeAll(async () => {
    idp = await startTestIdp([
      { client_id: 'client-Corp', client_secret: SECRET, redirect_uris: [callbackUri('Corp')] },
      { client_id: 'client-Entra', client_secret: SECRET, redirect_uris: [callbackUri('Entra')] },
    ]);
    const endpoint = `${idp.issuer}/.well-known/openid-configuration`;
    t = await createTestContext({
      config: {
        auth: {
          registration_enabled: true,
          admin_emails: [COLLEAGUE, 'boss2@example.com'],
          reauthentication_window: WINDOW_SECONDS,
          openid_connect: [
            buildOidcProviderConfig({ name: 'Corp', client_id: 'client-Corp', client_secret: SECRET, configuration_endpoint: endpoint }),
            // Entra ID never sends email_verified: its admin accepts such identities.
            buildOidcProviderConfig({
              name: 'Entra',
              client_id: 'client-Entra',
              client_secret: SECRET,
              configuration_endpoint: endpoint,
              allow_unverified_email: true,
            }),
          ],
        },
      },
    });
  });
  afterAll(async () => {
    await t.close();
    await idp.close();
  });

  const meOf = (browser: TestBrowser) => request(t.app).get(ME).set('Cookie', browser.gatehouseCookieHeader());
  const userRow = (email: string) => t.ctx.db.prisma.user.findUnique({ where: { email } });
  const linksOf = (userId: string) => t.ctx.db.prisma.linkedAccount.count({ where: { userId } });
  const sessionsOf = (userId: string) => t.ctx.db.prisma.session.count({ where: { userId } });

  /** The colleague signs in through SSO for the first time; asserts the refusal and that nothing changed. */
  async function expectColleagueRefusedUnproven(attackerId: string) {
    const sessionsBefore = await sessionsOf(attackerId);
    const rowsBefore = await countAccountRows(t);
    idp.setAccount('colleague-sub', { email: COLLEAGUE, email_verified: true });
    const browser = newBrowser(t);
    idp.loginAs('colleague-sub');
    const { landedOn } = await signInThrough(browser, 'Corp');
    expectRefused(landedOn, browser, 'OIDC_EMAIL_UNPROVEN');
    expect(await countAccountRows(t)).toEqual(rowsBefore);
    expect(await linksOf(attackerId)).toBe(0);
    expect(await sessionsOf(attackerId)).toBe(sessionsBefore);
    const attacker = await t.ctx.db.prisma.user.findUniqueOrThrow({ where: { id: attackerId } });
    expect(attacker.isSuperuser).toBe(false);
    expect(attacker.emailVerifiedAt).toBeNull();
    expect(t.logText()).toMatch(/its address is not proven, so the identity was not linked/);
  }

  describe('attacks', () => {
    it('(a) an anonymous visitor registers the colleague’s address first: the colleague’s SSO sign-in is refused, the attacker gets nothing', async () => {
      const registered = await request(t.app).post(`${API_PREFIX}/auth/register`).send({ email: COLLEAGUE, password: STRONG_PASSWORD });
      expect(registered.status).toBe(201);
      const attacker = (await userRow(COLLEAGUE))!;
      await expectColleagueRefusedUnproven(attacker.id);
      // The attacker's password still opens only the attacker's own, non-admin account.
      const token = await loginBearer(t.app, COLLEAGUE);
      const me = await request(t.app).get(ME).set('Authorization', `Bearer ${token}`);
      expect(me.body).toMatchObject({ id: attacker.id, is_superuser: false });
      // Clean up: the next attack reuses the colleague's address.
      await t.ctx.db.prisma.user.delete({ where: { id: attacker.id } });
    });

    it('(b) an ordinary user changes their email to the colleague’s (with their own password): refused the same way', async () => {
      // A proven account: the change itself must drop the proof (no SMTP here, so it applies at once).
      const attacker = await createUser(t.ctx, { email: 'mallory@example.com', emailVerifiedAt: new Date() });
      const token = await loginBearer(t.app, 'mallory@example.com');
      const changed = await request(t.app)
        .patch(ME)
        .set('Authorization', `Bearer ${token}`)
        .send({ email: COLLEAGUE, current_password: STRONG_PASSWORD });
      expect(changed.status).toBe(200);
      expect(changed.body).toMatchObject({ email: COLLEAGUE, email_verified_at: null });
      await expectColleagueRefusedUnproven(attacker.id);
      expect(OIDC_ERROR_MESSAGES.OIDC_EMAIL_UNPROVEN).toMatch(/sign in with its password and link the provider from your account page/);
      await t.ctx.db.prisma.user.delete({ where: { id: attacker.id } });
    });

    it('(c) the provider says email_verified: false: no account, unless allow_unverified_email, then an unproven, non-admin one', async () => {
      idp.setAccount('squatter-sub', { email: 'boss2@example.com', email_verified: false });
      const before = await countAccountRows(t);
      const refused = newBrowser(t);
      idp.loginAs('squatter-sub');
      expectRefused((await signInThrough(refused, 'Corp')).landedOn, refused, 'OIDC_EMAIL_NOT_VERIFIED');
      expect(await countAccountRows(t)).toEqual(before);
      expect(await userRow('boss2@example.com')).toBeNull();
      expect(t.logText()).toMatch(/allow_unverified_email = true for \\"Entra\\"|allow_unverified_email = true for \\"Corp\\"/);

      // Entra-like provider (no claim at all) with allow_unverified_email = true.
      idp.setAccount('entra-sub', { email: 'boss2@example.com' });
      const accepted = newBrowser(t);
      idp.loginAs('entra-sub');
      const { landedOn } = await signInThrough(accepted, 'Entra');
      expect(landedOn.href).toBe(`${GATEHOUSE_ORIGIN}/`);
      const me = await meOf(accepted);
      // admin_emails lists boss2@example.com, but the address is not proven: no admin.
      expect(me.body).toMatchObject({ email: 'boss2@example.com', is_superuser: false });
      const row = (await userRow('boss2@example.com'))!;
      expect(row.emailVerifiedAt).toBeNull();
      // ForwardAuth never hands an unproven address to another app (forward-auth.int.test.ts,
      // "an account whose address is unproven"); another identity with that address is not
      // linked to it (OIDC_EMAIL_UNPROVEN), so it cannot capture the real owner.
      idp.setAccount('real-boss2-sub', { email: 'boss2@example.com', email_verified: true });
      const owner = newBrowser(t);
      idp.loginAs('real-boss2-sub');
      expectRefused((await signInThrough(owner, 'Corp')).landedOn, owner, 'OIDC_EMAIL_UNPROVEN');
      expect(await linksOf(row.id)).toBe(1);
    });

    it('(d) linking by email is refused while the account’s address is unproven, allowed (and admin_emails applies) once proven', async () => {
      const colleague = await createUser(t.ctx, { email: COLLEAGUE });
      await expectColleagueRefusedUnproven(colleague.id);
      await proveEmailOf(t, colleague.id);
      const browser = newBrowser(t);
      idp.loginAs('colleague-sub');
      const { landedOn } = await signInThrough(browser, 'Corp');
      expect(landedOn.href).toBe(`${GATEHOUSE_ORIGIN}/`);
      expect((await meOf(browser)).body).toMatchObject({ id: colleague.id, is_superuser: true });
      expect(await linksOf(colleague.id)).toBe(1);
    });
  });

  describe('the proof an identity provider gives', () => {
    it('an account created from a verified identity is proven', async () => {
      idp.setAccount('fresh-sub', { email: 'fresh@example.com', email_verified: true });
      const browser = newBrowser(t);
      idp.loginAs('fresh-sub');
      await signInThrough(browser, 'Corp');
      const row = (await userRow('fresh@example.com'))!;
      expect(row.emailVerifiedAt?.getTime()).toBe(t.ctx.clock.now().getTime());
    });

    it('a sign-in through a linked identity proves the account’s current address only when the provider vouches for it', async () => {
      const kim = await createUser(t.ctx, { email: 'kim@example.com', password: null });
      await t.ctx.db.prisma.linkedAccount.create({
        data: { userId: kim.id, provider: 'Corp', issuer: idp.issuer, subject: 'kim-sub', email: 'kim@example.com' },
      });
      // Another address, verified: proves nothing about kim@example.com.
      idp.setAccount('kim-sub', { email: 'kim@elsewhere.example', email_verified: true });
      idp.loginAs('kim-sub');
      await signInThrough(newBrowser(t), 'Corp');
      expect((await userRow('kim@example.com'))!.emailVerifiedAt).toBeNull();
      // The address, but unverified: nothing either.
      idp.setAccount('kim-sub', { email: 'kim@example.com', email_verified: false });
      idp.loginAs('kim-sub');
      await signInThrough(newBrowser(t), 'Corp');
      expect((await userRow('kim@example.com'))!.emailVerifiedAt).toBeNull();
      // The address, verified: proven.
      idp.setAccount('kim-sub', { email: 'kim@example.com', email_verified: true });
      idp.loginAs('kim-sub');
      await signInThrough(newBrowser(t), 'Corp');
      expect((await userRow('kim@example.com'))!.emailVerifiedAt).not.toBeNull();
    });

    it('admin_emails through a linked identity needs the account’s proven address', async () => {
      const boss = await createUser(t.ctx, { email: 'boss3@example.com' });
      await t.ctx.db.prisma.linkedAccount.create({
        data: { userId: boss.id, provider: 'Corp', issuer: idp.issuer, subject: 'boss3-sub', email: 'boss3@example.com' },
      });
      // boss3 is not in admin_emails: a verified identity email that IS listed does not make it admin.
      idp.setAccount('boss3-sub', { email: COLLEAGUE, email_verified: true });
      idp.loginAs('boss3-sub');
      const browser = newBrowser(t);
      await signInThrough(browser, 'Corp');
      expect((await meOf(browser)).body).toMatchObject({ id: boss.id, is_superuser: false });
    });
  });

  describe('re-authentication before sensitive changes', () => {
    const reauthEventsOf = (userId: string) =>
      t.ctx.db.prisma.auditEvent.findMany({
        where: { userId, type: { startsWith: 'session.reauthentic' } },
        orderBy: { id: 'asc' },
      });
    /** Moves the session's last proof of its owner `seconds` into the past. */
    async function ageSession(session: CookieSession | TestBrowser, seconds: number) {
      const then = new Date(t.ctx.clock.now().getTime() - seconds * 1000);
      await t.ctx.db.prisma.session.updateMany({
        where: { id: await sessionIdOf(session) },
        data: { createdAt: then, authenticatedAt: null },
      });
    }
    async function sessionIdOf(session: CookieSession | TestBrowser): Promise<string> {
      const cookie = 'sessionToken' in session ? session.cookie : session.gatehouseCookieHeader();
      const res = await request(t.app).get(`${API_PREFIX}/users/me/sessions`).set('Cookie', cookie);
      const current = (res.body as { id: string; is_current: boolean }[]).find((s) => s.is_current);
      if (!current) throw new Error(`no current session: ${JSON.stringify(res.body)}`);
      return current.id;
    }

    /** A password-less account with a linked Corp identity, signed in through it (a fresh session). */
    async function signInPasswordless(name: string) {
      idp.setAccount(`${name}-sub`, { email: `${name}@example.com`, email_verified: true });
      const browser = newBrowser(t);
      idp.loginAs(`${name}-sub`);
      await signInThrough(browser, 'Corp');
      const user = (await userRow(`${name}@example.com`))!;
      return { browser, user, headers: browserCsrfHeaders(browser) };
    }
    function browserCsrfHeaders(browser: TestBrowser) {
      return { Cookie: browser.gatehouseCookieHeader(), [CSRF_HEADER]: browser.cookie(GATEHOUSE_ORIGIN, CSRF_COOKIE) ?? '' };
    }

    /** Runs a provider flow started by a Gatehouse JSON answer, as `accountId`. */
    async function runProviderFlow(browser: TestBrowser, start: request.Response, accountId: string, authTime?: number) {
      expect(start.status).toBe(200);
      browser.acceptCookies(`${GATEHOUSE_ORIGIN}${REAUTH}`, start.headers['set-cookie'] as unknown as string[]);
      idp.loginAs(accountId, authTime === undefined ? {} : { authTime });
      const flow = await browser.follow(start.body.authorization_url);
      expect(flow.final.status).toBe(302);
      return { landedOn: new URL(flow.final.location!, GATEHOUSE_ORIGIN), setCookies: flow.final.setCookies };
    }

    it('password account: inside the window link and unlink work; outside, 403 REAUTHENTICATION_REQUIRED until the password re-authenticates', async () => {
      const lee = await createUser(t.ctx, { email: 'lee@example.com' });
      const session = await loginCookie(t.app, 'lee@example.com');
      // Inside the window (just signed in): linking starts.
      expect((await request(t.app).post(LINKS).set(csrfHeaders(session)).send({ provider: 'Corp' })).status).toBe(200);

      await ageSession(session, WINDOW_SECONDS + 1);
      const link = await request(t.app).post(LINKS).set(csrfHeaders(session)).send({ provider: 'Corp' });
      expect(link.status).toBe(403);
      expect(link.body.detail).toBe('REAUTHENTICATION_REQUIRED');
      expect(link.body.message).toMatch(/current password \(current_password\).*\/api\/v1\/users\/me\/reauthenticate/);
      const linkRow = await t.ctx.db.prisma.linkedAccount.create({
        data: { userId: lee.id, provider: 'Corp', issuer: idp.issuer, subject: 'lee-sub', email: 'lee@example.com' },
      });
      const unlink = await request(t.app).delete(`${LINKS}/${linkRow.id}`).set(csrfHeaders(session));
      expect(unlink.status).toBe(403);
      expect(unlink.body.detail).toBe('REAUTHENTICATION_REQUIRED');
      expect(await linksOf(lee.id)).toBe(1);

      // A wrong password proves nothing and counts as a failed sign-in.
      const wrong = await request(t.app).post(REAUTH).set(csrfHeaders(session)).send({ current_password: 'not-it-at-all' });
      expect(wrong.status).toBe(400);
      expect(wrong.body.detail).toBe('CURRENT_PASSWORD_INVALID');
      expect((await request(t.app).delete(`${LINKS}/${linkRow.id}`).set(csrfHeaders(session))).status).toBe(403);
      // A wrong current_password on the link request itself: refused, nothing started.
      const wrongLink = await request(t.app).post(LINKS).set(csrfHeaders(session)).send({ provider: 'Corp', current_password: 'nope-nope' });
      expect(wrongLink.body.detail).toBe('CURRENT_PASSWORD_INVALID');

      // The password, in the link request: allowed (and it marks the session).
      const withPassword = await request(t.app).post(LINKS).set(csrfHeaders(session)).send({ provider: 'Corp', current_password: STRONG_PASSWORD });
      expect(withPassword.status).toBe(200);
      expect(withPassword.body.authorization_url).toEqual(expect.any(String));

      await ageSession(session, WINDOW_SECONDS + 1);
      const reauth = await request(t.app).post(REAUTH).set(csrfHeaders(session)).send({ current_password: STRONG_PASSWORD });
      expect(reauth.status).toBe(200);
      expect(reauth.body).toEqual({ authorization_url: null });
      expect((await request(t.app).delete(`${LINKS}/${linkRow.id}`).set(csrfHeaders(session))).status).toBe(204);
      expect(await linksOf(lee.id)).toBe(0);

      // The trail: two wrong current passwords, two re-authentications (the link request's password
      // and POST /reauthenticate) — none holding the password.
      const trail = await reauthEventsOf(lee.id);
      expect(trail.map((event) => [event.type, event.method])).toEqual([
        ['session.reauthentication_failed', 'password'],
        ['session.reauthentication_failed', 'password'],
        ['session.reauthenticated', 'password'],
        ['session.reauthenticated', 'password'],
      ]);
      const trailText = JSON.stringify(trail, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value));
      expect(trailText).not.toContain(STRONG_PASSWORD);
      expect(trailText).not.toContain('not-it-at-all');
    });

    it('refuses a request naming both ways, or neither, and one from another site', async () => {
      await createUser(t.ctx, { email: 'nia@example.com' });
      const session = await loginCookie(t.app, 'nia@example.com');
      const both = await request(t.app).post(REAUTH).set(csrfHeaders(session)).send({ current_password: STRONG_PASSWORD, provider: 'Corp' });
      expect(both.status).toBe(422);
      const neither = await request(t.app).post(REAUTH).set(csrfHeaders(session)).send({});
      expect(neither.status).toBe(422);
      const crossSite = await request(t.app).post(REAUTH).set(crossSiteHeaders(session)).send({ current_password: STRONG_PASSWORD });
      expect(crossSite.body.detail).toBe('CSRF_FAILED');
      // A provider not linked to this account cannot re-authenticate it.
      const notLinked = await request(t.app).post(REAUTH).set(csrfHeaders(session)).send({ provider: 'Corp' });
      expect(notLinked.status).toBe(404);
      expect(notLinked.body.detail).toBe('LINKED_ACCOUNT_NOT_FOUND');
    });

    it('password-less account: a fresh provider sign-in (prompt=login, max_age=0) re-opens the window; email change follows the same rule', async () => {
      const { browser, user, headers } = await signInPasswordless('pia');
      // Inside the window: the email change of a password-less account works without a password.
      const changed = await request(t.app).patch(ME).set(headers).send({ email: 'pia.new@example.com' });
      expect(changed.status).toBe(200);
      expect(changed.body.email).toBe('pia.new@example.com');

      await ageSession(browser, WINDOW_SECONDS + 1);
      const late = await request(t.app).patch(ME).set(headers).send({ email: 'pia.later@example.com' });
      expect(late.status).toBe(403);
      expect(late.body.detail).toBe('REAUTHENTICATION_REQUIRED');
      expect(late.body.message).toMatch(/a fresh sign-in with "Corp" \(provider\)/);
      const lateLink = await request(t.app).post(LINKS).set(headers).send({ provider: 'Entra' });
      expect(lateLink.body.detail).toBe('REAUTHENTICATION_REQUIRED');

      const start = await request(t.app).post(REAUTH).set(headers).send({ provider: 'Corp', returnTo: '/account' });
      expect(start.status).toBe(200);
      const url = new URL(start.body.authorization_url);
      expect(url.searchParams.get('prompt')).toBe('login');
      expect(url.searchParams.get('max_age')).toBe('0');
      const { landedOn, setCookies } = await runProviderFlow(browser, start, 'pia-sub');
      expect(landedOn.href).toBe(`${GATEHOUSE_ORIGIN}/account`);
      expect(hasSessionCookie(setCookies)).toBe(false);
      const again = await request(t.app).patch(ME).set(headers).send({ email: 'pia.later@example.com' });
      expect(again.status).toBe(200);
      expect((await t.ctx.db.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).email).toBe('pia.later@example.com');
      expect((await reauthEventsOf(user.id)).map((event) => [event.type, event.method, event.provider])).toEqual([
        ['session.reauthenticated', 'oidc', 'Corp'],
      ]);
    });

    it('a provider answer without a fresh auth_time does not re-authenticate', async () => {
      const { browser, headers } = await signInPasswordless('quin');
      await ageSession(browser, WINDOW_SECONDS + 1);

      // A provider that ignores prompt=login and max_age answers from its existing session, with no auth_time.
      const start = await request(t.app).post(REAUTH).set(headers).send({ provider: 'Corp' });
      const ignoring = new URL(start.body.authorization_url);
      ignoring.searchParams.delete('prompt');
      ignoring.searchParams.delete('max_age');
      const { landedOn } = await runProviderFlow(browser, { ...start, body: { authorization_url: ignoring.href } } as request.Response, 'quin-sub');
      expect(landedOn.searchParams.get('oidc_error')).toBe('OIDC_LOGIN_FAILED');
      expect(t.logText()).toMatch(/without a fresh login \(auth_time missing/);

      // A provider that reports a login from before the flow started (ten minutes ago).
      const again = await request(t.app).post(REAUTH).set(headers).send({ provider: 'Corp' });
      const withoutMaxAge = new URL(again.body.authorization_url);
      withoutMaxAge.searchParams.delete('max_age');
      withoutMaxAge.searchParams.set('claims', JSON.stringify({ id_token: { auth_time: { essential: true } } }));
      const stale = Math.floor(Date.now() / 1000) - 600;
      const second = await runProviderFlow(
        browser,
        { ...again, body: { authorization_url: withoutMaxAge.href } } as request.Response,
        'quin-sub',
        stale,
      );
      expect(second.landedOn.searchParams.get('oidc_error')).toBe('OIDC_LOGIN_FAILED');
      expect(t.logText()).toMatch(/without a fresh login \(auth_time \d{4}-/);

      const late = await request(t.app).patch(ME).set(headers).send({ email: 'quin.new@example.com' });
      expect(late.body.detail).toBe('REAUTHENTICATION_REQUIRED');
    });

    it('a re-authentication through an identity linked to another user (or to none) is refused', async () => {
      const { browser, headers, user } = await signInPasswordless('ria');
      await signInPasswordless('sol'); // sol-sub is linked to sol
      idp.setAccount('stray-sub', { email: 'stray@example.com', email_verified: true });
      await ageSession(browser, WINDOW_SECONDS + 1);

      for (const accountId of ['sol-sub', 'stray-sub']) {
        const start = await request(t.app).post(REAUTH).set(headers).send({ provider: 'Corp' });
        // Another person's browser (their own provider session) finishes the flow ria started.
        const { landedOn, setCookies } = await runProviderFlow(newBrowser(t), start, accountId);
        expect(landedOn.searchParams.get('oidc_error')).toBe('OIDC_LOGIN_FAILED');
        expect(hasSessionCookie(setCookies)).toBe(false);
        const late = await request(t.app).patch(ME).set(headers).send({ email: 'ria.new@example.com' });
        expect(late.body.detail).toBe('REAUTHENTICATION_REQUIRED');
      }
      expect(t.logText()).toMatch(/linked to user .* refused/);
      expect(t.logText()).toMatch(/not linked to any account; refused/);
      // Nothing was linked on the way: ria still has her one identity, stray none.
      expect(await linksOf(user.id)).toBe(1);
      expect(await userRow('stray@example.com')).toBeNull();
    });
  });
});
