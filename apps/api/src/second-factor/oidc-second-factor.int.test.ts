// A provider with require_second_factor: its sign-in is the first factor for an account that has a
// second one, and the browser lands on /login?second_factor=1 holding the pending sign-in cookie.
// Without the key (the default) the provider's own sign-in is trusted as it is.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { API_PREFIX, SECOND_FACTOR_COOKIE } from '@gatehouse/shared';
import { createTestContext, type TestContext } from '../test-support/test-context.js';
import { GATEHOUSE_ORIGIN, buildOidcProviderConfig, callbackUri, newBrowser, signInThrough } from '../test-support/oidc-fixtures.js';
import { startTestIdp, type TestIdp } from '../test-support/oidc-test-idp.js';
import { readSetCookies } from '../test-support/fixtures.js';
import { generateTotpCode } from './totp.js';

const SECRET = 'test-client-secret';

describe('a second factor after an identity provider', () => {
  let idp: TestIdp;
  let t: TestContext;
  let secret: string;

  beforeAll(async () => {
    const client = (name: string) => ({ client_id: `client-${name}`, client_secret: SECRET, redirect_uris: [callbackUri(name)] });
    idp = await startTestIdp([client('Strict'), client('Trusted')]);
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
      config: { auth: { openid_connect: [provider('Strict', { require_second_factor: true }), provider('Trusted')] } },
    });
    idp.setAccount('olga', { email: 'olga@example.com', email_verified: true, preferred_username: 'olga', groups: ['media'] });
    // Olga's account comes from the provider, then she sets up an authenticator app.
    const browser = newBrowser(t);
    idp.loginAs('olga');
    await signInThrough(browser, 'Trusted', '/');
    const cookie = browser.gatehouseCookieHeader();
    const started = await request(t.app).post(`${API_PREFIX}/users/me/totp`).set('Cookie', cookie).set('Origin', GATEHOUSE_ORIGIN);
    secret = started.body.secret as string;
    const confirmed = await request(t.app)
      .post(`${API_PREFIX}/users/me/totp/confirm`)
      .set('Cookie', cookie)
      .set('Origin', GATEHOUSE_ORIGIN)
      .send({ code: generateTotpCode(secret, t.clock.now()) });
    expect(confirmed.status).toBe(200);
    t.clock.advance(30_000);
  });
  afterAll(async () => {
    await t.close();
    await idp.close();
  });

  it('with require_second_factor: no session until the code, then one that keeps the provider’s groups and ID token', async () => {
    const browser = newBrowser(t);
    idp.loginAs('olga');
    const { landedOn } = await signInThrough(browser, 'Strict', '/library');
    expect(`${landedOn.pathname}${landedOn.search}`).toBe(`/login?second_factor=1&returnTo=${encodeURIComponent('/library')}`);
    expect(browser.sessionCookie()).toBeUndefined();
    const pending = browser.cookie(GATEHOUSE_ORIGIN, SECOND_FACTOR_COOKIE);
    expect(pending).toBeTruthy();

    const wrong = await request(t.app)
      .post(`${API_PREFIX}/auth/cookie/login/second-factor`)
      .set('Cookie', `${SECOND_FACTOR_COOKIE}=${pending}`)
      .set('Origin', GATEHOUSE_ORIGIN)
      .send({ code: '000000' });
    expect(wrong.body.detail).toBe('SECOND_FACTOR_INVALID');
    const done = await request(t.app)
      .post(`${API_PREFIX}/auth/cookie/login/second-factor`)
      .set('Cookie', `${SECOND_FACTOR_COOKIE}=${pending}`)
      .set('Origin', GATEHOUSE_ORIGIN)
      .send({ code: generateTotpCode(secret, t.clock.now()) });
    expect(done.status).toBe(204);
    expect(readSetCookies(done)).toHaveProperty('gatehouse_session');
    const session = await t.ctx.db.prisma.session.findFirstOrThrow({ where: { authMethod: 'oidc:Strict' } });
    expect(session.groups).toEqual(['media']);
    expect(session.oidcIdToken).toBeTruthy();
    const event = await t.ctx.db.prisma.auditEvent.findFirstOrThrow({ where: { type: 'sign_in.succeeded', provider: 'Strict' } });
    expect(event.details).toMatchObject({ second_factor: 'totp' });
  });

  it('without it: the provider’s sign-in is the whole sign-in', async () => {
    const browser = newBrowser(t);
    idp.loginAs('olga');
    const { landedOn } = await signInThrough(browser, 'Trusted', '/library');
    expect(landedOn.pathname).toBe('/library');
    expect(browser.sessionCookie()).toBeTruthy();
    expect(browser.cookie(GATEHOUSE_ORIGIN, SECOND_FACTOR_COOKIE)).toBeUndefined();
  });
});
