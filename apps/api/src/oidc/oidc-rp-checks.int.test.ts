// The OpenID Foundation's Basic and Config RP certification cases that apply to a code-flow
// client, against a provider that misbehaves on purpose: each must end on the login page with
// OIDC_LOGIN_FAILED (or the discovery codes), no session, no user row and no linked account.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { API_PREFIX } from '@gatehouse/shared';
import { createTestContext, type TestContext } from '../test-support/test-context.js';
import { startFakeIdp, signIdToken, unsignedIdToken, type FakeIdp, type FakeIdpBehaviour, type TokenContext } from '../test-support/fake-idp.js';
import {
  CLOSED_LOOPBACK_PORT,
  GATEHOUSE_ORIGIN,
  buildOidcProviderConfig,
  expectRefused,
  newBrowser,
  signInThrough,
} from '../test-support/oidc-fixtures.js';
import { DISCOVERY_RETRY_MS } from './service.js';

const CLIENT_ID = 'gatehouse-rp';

describe('RP certification cases against a misbehaving provider', () => {
  let idp: FakeIdp;
  let t: TestContext;
  let usersAtStart: number;

  beforeAll(async () => {
    idp = await startFakeIdp(CLIENT_ID);
    const provider = (name: string, extra: object = {}) =>
      buildOidcProviderConfig({ name, client_id: CLIENT_ID, configuration_endpoint: idp.issuer, ...extra });
    t = await createTestContext({
      config: {
        auth: {
          openid_connect: [
            provider('Fake'),
            provider('Mismatch'),
            provider('Flaky'),
            provider('PathIssuer', { configuration_endpoint: `${idp.issuer}/application/o/gatehouse` }),
            provider('Down', { configuration_endpoint: `http://127.0.0.1:${CLOSED_LOOPBACK_PORT}/realms/media` }),
          ],
        },
      },
    });
    usersAtStart = await t.ctx.db.prisma.user.count();
  });
  afterAll(async () => {
    await t.close();
    await idp.close();
  });

  /** Signs in through "Fake" with the provider behaving so, and checks nothing was let in. */
  async function expectNoSignIn(behaviour: FakeIdpBehaviour, logPattern: RegExp): Promise<void> {
    idp.behave(behaviour);
    const browser = newBrowser(t);
    const { landedOn } = await signInThrough(browser, 'Fake');
    idp.behave({});
    expectRefused(landedOn, browser, 'OIDC_LOGIN_FAILED');
    expect(await t.ctx.db.prisma.user.count()).toBe(usersAtStart);
    expect(await t.ctx.db.prisma.linkedAccount.count()).toBe(0);
    expect(await t.ctx.db.prisma.session.count()).toBe(0);
    const line = t
      .logLines()
      .filter((entry) => entry.code === 'OIDC_LOGIN_FAILED')
      .at(-1);
    expect(String(line?.msg)).toMatch(logPattern);
  }

  const withClaims = (change: (claims: Record<string, unknown>) => Record<string, unknown>) => (context: TokenContext) =>
    signIdToken(change({ ...context.claims }), context.keys.primary);

  describe('ID token', () => {
    it('with an invalid signature', async () => {
      await expectNoSignIn(
        { idToken: (context) => signIdToken(context.claims, context.keys.stranger, { kid: 'primary' }) },
        /ID token failed validation: JWT signature verification failed/,
      );
    });

    it('signed with a key the JWKS does not have', async () => {
      await expectNoSignIn({ idToken: (context) => signIdToken(context.claims, context.keys.stranger) }, /no applicable keys found/);
    });

    it('unsigned (alg: none), even when the discovery document lists "none"', async () => {
      await expectNoSignIn(
        { signingAlgs: ['RS256', 'none'], idToken: async (context) => unsignedIdToken(context.claims) },
        /unexpected JWT "alg" header parameter/,
      );
    });

    it('without a kid while the JWKS has several keys', async () => {
      await expectNoSignIn(
        {
          jwks: (keys) => [keys.primary.publicJwk, keys.secondary.publicJwk],
          idToken: (context) => signIdToken(context.claims, context.keys.primary, { kid: false }),
        },
        /multiple applicable keys found, a "kid" JWT Header Parameter is required/,
      );
    });

    it('with the wrong issuer', async () => {
      await expectNoSignIn({ idToken: withClaims((c) => ({ ...c, iss: 'https://evil.example' })) }, /claim iss/);
    });

    it('with the wrong audience', async () => {
      await expectNoSignIn({ idToken: withClaims((c) => ({ ...c, aud: 'another-client' })) }, /claim aud/);
    });

    it('with an extra audience and no azp', async () => {
      await expectNoSignIn({ idToken: withClaims((c) => ({ ...c, aud: [CLIENT_ID, 'another-client'] })) }, /claim aud/);
    });

    it('with the wrong nonce', async () => {
      await expectNoSignIn({ idToken: withClaims((c) => ({ ...c, nonce: 'not-the-nonce-we-sent' })) }, /claim nonce/);
    });

    it('without sub', async () => {
      await expectNoSignIn({ idToken: withClaims(({ sub: _sub, ...c }) => c) }, /JWT "sub" \(subject\) claim missing/);
    });

    it('without iat', async () => {
      await expectNoSignIn({ idToken: withClaims(({ iat: _iat, ...c }) => c) }, /JWT "iat" \(issued at\) claim missing/);
    });

    it('expired', async () => {
      await expectNoSignIn({ idToken: withClaims((c) => ({ ...c, iat: Number(c.iat) - 7200, exp: Number(c.iat) - 3600 })) }, /claim exp/);
    });
  });

  it('userinfo with a sub other than the ID token’s', async () => {
    await expectNoSignIn(
      { userinfo: () => ({ sub: 'someone-else', email: 'fake.user@example.com', email_verified: true }) },
      /userinfo response failed validation: .* \(attribute sub\)/,
    );
  });

  describe('discovery', () => {
    it('an issuer that does not match the configured one is reported with the fix', async () => {
      idp.behave({ discoveryIssuer: 'https://id.elsewhere.example' });
      const json = await request(t.app).get(`${API_PREFIX}/auth/cookie/Mismatch/authorize`);
      idp.behave({});
      expect(json.status).toBe(502);
      expect(json.body.detail).toBe('OIDC_ISSUER_MISMATCH');
      expect(json.body.message).not.toContain('elsewhere');
      expect(t.logText()).toContain(
        `says its issuer is https://id.elsewhere.example, not ${idp.issuer}/. Set configuration_endpoint to https://id.elsewhere.example`,
      );
      const browser = newBrowser(t);
      // Within the retry back-off the same answer comes without asking the provider again.
      const { landedOn } = await signInThrough(browser, 'Mismatch');
      expectRefused(landedOn, browser, 'OIDC_ISSUER_MISMATCH');
    });

    it('an unreachable provider: the login page says so, the log names the fix, and the app keeps working', async () => {
      const browser = newBrowser(t);
      expectRefused((await signInThrough(browser, 'Down')).landedOn, browser, 'OIDC_PROVIDER_UNREACHABLE');
      const json = await request(t.app).get(`${API_PREFIX}/auth/cookie/Down/authorize`);
      expect(json.status).toBe(502);
      expect(json.body.detail).toBe('OIDC_PROVIDER_UNREACHABLE');
      expect(t.logText()).toMatch(
        /Cannot reach the provider \(discovery at http:\/\/127\.0\.0\.1:\d+\/realms\/media\/\.well-known\/openid-configuration: ECONNREFUSED\)/,
      );
      expect((await request(t.app).get(`${API_PREFIX}/health`)).status).toBe(200);
    });

    it('a failed discovery is retried after a short back-off, not on every request', async () => {
      idp.behave({ discoveryStatus: 503 });
      const first = await request(t.app).get(`${API_PREFIX}/auth/cookie/Flaky/authorize`);
      expect(first.body.detail).toBe('OIDC_PROVIDER_UNREACHABLE');
      const asked = idp.requestCount('/.well-known/openid-configuration');
      idp.behave({});
      expect((await request(t.app).get(`${API_PREFIX}/auth/cookie/Flaky/authorize`)).status).toBe(502);
      expect(idp.requestCount('/.well-known/openid-configuration')).toBe(asked);
      t.clock.advance(DISCOVERY_RETRY_MS + 1000);
      expect((await request(t.app).get(`${API_PREFIX}/auth/cookie/Flaky/authorize`)).status).toBe(200);
      expect(idp.requestCount('/.well-known/openid-configuration')).toBe(asked + 1);
    });

    it('tolerates a trailing slash difference between configuration_endpoint and the issuer', async () => {
      const pathIssuer = `${idp.issuer}/application/o/gatehouse/`;
      idp.behave({ discoveryIssuer: pathIssuer, idToken: withClaims((c) => ({ ...c, iss: pathIssuer })) });
      const res = await request(t.app).get(`${API_PREFIX}/auth/cookie/PathIssuer/authorize`);
      idp.behave({});
      expect(res.status).toBe(200);
    });
  });

  it('(control) the same provider, behaving, signs in', async () => {
    const browser = newBrowser(t);
    const { landedOn } = await signInThrough(browser, 'Fake');
    expect(landedOn.href).toBe(`${GATEHOUSE_ORIGIN}/`);
    expect(browser.sessionCookie()).toBeDefined();
    const link = await t.ctx.db.prisma.linkedAccount.findFirstOrThrow();
    expect(link).toMatchObject({ issuer: idp.issuer, subject: idp.subject });
  });
});
