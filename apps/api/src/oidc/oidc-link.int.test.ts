// Linking another identity-provider account from the account page: POST /users/me/linked-accounts
// starts the flow for the signed-in user; the provider's callback then links instead of signing in.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { API_PREFIX, OIDC_ERROR_PARAM } from '@gatehouse/shared';
import { createTestContext, type TestContext } from '../test-support/test-context.js';
import { createUser, crossSiteHeaders, csrfHeaders, loginCookie, type CookieSession } from '../test-support/fixtures.js';
import { startTestIdp, type TestIdp } from '../test-support/oidc-test-idp.js';
import {
  GATEHOUSE_ORIGIN,
  buildOidcProviderConfig,
  callbackUri,
  hasSessionCookie,
  newBrowser,
  signInThrough,
} from '../test-support/oidc-fixtures.js';

const SECRET = 'link-test-secret';
const LINK_PATH = `${API_PREFIX}/users/me/linked-accounts`;

describe('linking another provider to a signed-in account', () => {
  let idp: TestIdp;
  let t: TestContext;

  beforeAll(async () => {
    idp = await startTestIdp([{ client_id: 'client-Home', client_secret: SECRET, redirect_uris: [callbackUri('Home')] }]);
    t = await createTestContext({
      config: {
        auth: {
          admin_emails: [],
          openid_connect: [
            buildOidcProviderConfig({
              name: 'Home',
              client_id: 'client-Home',
              client_secret: SECRET,
              configuration_endpoint: `${idp.issuer}/.well-known/openid-configuration`,
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

  /** Starts linking as `session`, then runs the provider's side as `accountId`; returns where it ended. */
  async function linkThrough(session: CookieSession, accountId: string) {
    const start = await request(t.app).post(LINK_PATH).set(csrfHeaders(session)).send({ provider: 'Home', returnTo: '/?linked=Home' });
    expect(start.status).toBe(200);
    const browser = newBrowser(t);
    browser.acceptCookies(`${GATEHOUSE_ORIGIN}${LINK_PATH}`, start.headers['set-cookie'] as unknown as string[]);
    idp.loginAs(accountId);
    const flow = await browser.follow(start.body.authorization_url);
    expect(flow.final.status).toBe(302);
    return { landedOn: new URL(flow.final.location!, GATEHOUSE_ORIGIN), setCookies: flow.final.setCookies };
  }

  it('links an identity whose email differs, keeps the session, and the identity then signs in to this account', async () => {
    const pat = await createUser(t.ctx, { email: 'pat@example.com' });
    const session = await loginCookie(t.app, 'pat@example.com');
    idp.setAccount('pat-at-home', { email: 'pat.other@home.example', email_verified: false });

    const { landedOn, setCookies } = await linkThrough(session, 'pat-at-home');
    expect(landedOn.href).toBe(`${GATEHOUSE_ORIGIN}/?linked=Home`);
    // Linking issues no new session; the one that started it goes on.
    expect(hasSessionCookie(setCookies)).toBe(false);
    const links = await request(t.app).get(LINK_PATH).set('Cookie', session.cookie);
    expect(links.body).toEqual([expect.objectContaining({ provider: 'Home', email: 'pat.other@home.example' })]);

    const browser = newBrowser(t);
    idp.loginAs('pat-at-home');
    await signInThrough(browser, 'Home');
    const me = await request(t.app).get(`${API_PREFIX}/users/me`).set('Cookie', browser.gatehouseCookieHeader());
    expect(me.body.id).toBe(pat.id);

    // Linking the same identity again is harmless: still one link.
    await linkThrough(session, 'pat-at-home');
    expect(await t.ctx.db.prisma.linkedAccount.count({ where: { userId: pat.id } })).toBe(1);
  });

  it('refuses an identity already linked to someone else, and leaves it with them', async () => {
    idp.setAccount('shared-sub', { email: 'owner@example.com', email_verified: true });
    idp.loginAs('shared-sub');
    await signInThrough(newBrowser(t), 'Home'); // creates owner@example.com, linked to shared-sub
    const owner = await t.ctx.db.prisma.linkedAccount.findFirstOrThrow({ where: { subject: 'shared-sub' } });

    await createUser(t.ctx, { email: 'quinn@example.com' });
    const session = await loginCookie(t.app, 'quinn@example.com');
    const { landedOn } = await linkThrough(session, 'shared-sub');
    expect(landedOn.pathname).toBe('/login');
    expect(landedOn.searchParams.get(OIDC_ERROR_PARAM)).toBe('OIDC_ALREADY_LINKED');
    const link = await t.ctx.db.prisma.linkedAccount.findFirstOrThrow({ where: { subject: 'shared-sub' } });
    expect(link.userId).toBe(owner.userId);
  });

  it('links nothing when the session that started it has ended', async () => {
    const rae = await createUser(t.ctx, { email: 'rae@example.com' });
    const session = await loginCookie(t.app, 'rae@example.com');
    idp.setAccount('rae-sub', { email: 'rae@home.example', email_verified: true });
    const start = await request(t.app).post(LINK_PATH).set(csrfHeaders(session)).send({ provider: 'Home' });
    await request(t.app).post(`${API_PREFIX}/auth/cookie/logout`).set(csrfHeaders(session));
    const browser = newBrowser(t);
    browser.acceptCookies(`${GATEHOUSE_ORIGIN}${LINK_PATH}`, start.headers['set-cookie'] as unknown as string[]);
    idp.loginAs('rae-sub');
    const flow = await browser.follow(start.body.authorization_url);
    expect(new URL(flow.final.location!, GATEHOUSE_ORIGIN).searchParams.get(OIDC_ERROR_PARAM)).toBe('OIDC_LOGIN_FAILED');
    expect(await t.ctx.db.prisma.linkedAccount.count({ where: { userId: rae.id } })).toBe(0);
    expect(hasSessionCookie(flow.final.setCookies)).toBe(false);
  });

  it("needs a session, a request from Gatehouse's own site and a configured provider", async () => {
    await createUser(t.ctx, { email: 'sam@example.com' });
    const session = await loginCookie(t.app, 'sam@example.com');
    expect((await request(t.app).post(LINK_PATH).send({ provider: 'Home' })).status).toBe(401);
    const crossSite = await request(t.app).post(LINK_PATH).set(crossSiteHeaders(session)).send({ provider: 'Home' });
    expect(crossSite.body.detail).toBe('CSRF_FAILED');
    const unknown = await request(t.app).post(LINK_PATH).set(csrfHeaders(session)).send({ provider: 'Nope' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.detail).toBe('OIDC_PROVIDER_NOT_FOUND');
    const bad = await request(t.app).post(LINK_PATH).set(csrfHeaders(session)).send({ provider: '' });
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0].field).toContain('provider');
  });
});
