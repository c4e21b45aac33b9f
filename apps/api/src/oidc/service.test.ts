import { describe, expect, it } from '@jest/globals';
import { createOidcService } from './service.js';
import type { Claims, OidcClient } from './openid-adapter.js';
import { buildOidcProviderConfig } from '../test-support/oidc-fixtures.js';
import { CLIENT, createUnitServices } from '../test-support/unit-services.js';

const ISSUER = 'https://idp.example.com';

/**
 * The OIDC service over fake repositories and a fake provider: the protocol (discovery, code
 * exchange, token validation) is openid-client's and has its own tests; this is what Gatehouse
 * decides from a validated answer.
 */
function setUp(claims: () => Claims, provider: Partial<Parameters<typeof buildOidcProviderConfig>[0]> = {}) {
  const u = createUnitServices({
    config: {
      auth: {
        admin_emails: ['boss@example.com'],
        openid_connect: [buildOidcProviderConfig({ name: 'Corp', client_id: 'c', configuration_endpoint: `${ISSUER}/`, ...provider })],
      },
    },
  });
  const client: OidcClient = {
    issuer: ISSUER,
    hasEndSessionEndpoint: true,
    buildAuthorizationUrl: (request) => `${ISSUER}/authorize?state=${request.state}`,
    exchangeCode: async () => ({ idToken: 'raw-id-token', idTokenClaims: claims(), userinfo: null }),
    buildEndSessionUrl: (hint, back) => `${ISSUER}/logout?id_token_hint=${hint}&post_logout_redirect_uri=${back}`,
  };
  const oidc = createOidcService({
    ...u.ctx,
    ...u.data,
    audit: u.services.audit,
    rateLimiter: u.services.rateLimiter,
    secondFactor: u.services.secondFactor,
    discover: async () => client,
  });
  const signIn = async (state?: string) => {
    const started = await oidc.startSignIn('Corp', '/after');
    const realState = new URL(started.authorizationUrl).searchParams.get('state')!;
    return oidc.finishSignIn({
      providerName: 'Corp',
      query: `code=abc&state=${state ?? realState}`,
      transactionCookie: started.transaction,
      client: CLIENT,
    });
  };
  return { u, oidc, signIn, started: () => oidc.startSignIn('Corp', '/after') };
}

describe('OidcService (fake repositories, fake provider)', () => {
  it('creates an account, its link and a cookie session from a verified identity; the next sign-in reuses it', async () => {
    const { u, signIn } = setUp(() => ({ sub: 'alice-sub', email: 'Alice@Example.com', email_verified: true, preferred_username: 'alice' }));
    const first = await signIn();
    expect(first.returnTo).toBe('/after');
    expect(first.issued?.user).toMatchObject({ email: 'alice@example.com', username: 'alice', hashedPassword: null, isVerified: true });
    expect(first.issued?.user.emailVerifiedAt).not.toBeNull();
    expect(first.issued?.session).toMatchObject({ transport: 'cookie', authMethod: 'oidc:Corp' });
    expect(u.data.tables.sessions[0]?.oidcIdToken).toBe('raw-id-token');
    const second = await signIn();
    expect(second.issued?.user.id).toBe(first.issued?.user.id);
    expect(u.data.tables.users).toHaveLength(1);
    expect(u.auditTypes()).toEqual(['account.registered', 'account.linked', 'sign_in.succeeded', 'sign_in.succeeded']);
  });

  it('refuses a forged state and a replayed transaction, and writes no account', async () => {
    const { u, oidc, signIn, started } = setUp(() => ({ sub: 's', email: 'a@example.com', email_verified: true }));
    await expect(signIn('forged')).rejects.toMatchObject({ code: 'OIDC_LOGIN_FAILED' });
    const flow = await started();
    const input = {
      providerName: 'Corp',
      query: `code=abc&state=${new URL(flow.authorizationUrl).searchParams.get('state')}`,
      transactionCookie: flow.transaction,
      client: CLIENT,
    };
    await oidc.finishSignIn(input);
    await expect(oidc.finishSignIn(input)).rejects.toMatchObject({ code: 'OIDC_LOGIN_FAILED' });
    expect(u.data.tables.users).toHaveLength(1);
    expect(u.auditTypes().filter((type) => type === 'sign_in.failed')).toHaveLength(2);
  });

  it('never links an existing account by an unverified email, nor by an unproven account address', async () => {
    let verified = false;
    const { u, signIn } = setUp(() => ({ sub: 'x', email: 'ann@example.com', email_verified: verified }));
    await u.addUser({ email: 'ann@example.com', emailVerifiedAt: null });
    await expect(signIn()).rejects.toMatchObject({ code: 'OIDC_EMAIL_NOT_VERIFIED' });
    verified = true;
    await expect(signIn()).rejects.toMatchObject({ code: 'OIDC_EMAIL_UNPROVEN' });
    expect(u.data.tables.linkedAccounts).toHaveLength(0);
    expect(u.data.tables.sessions).toHaveLength(0);
  });

  it('refuses a deactivated account, and new people when auto_register is off', async () => {
    const { u, signIn } = setUp(() => ({ sub: 'y', email: 'gone@example.com', email_verified: true }));
    await u.addUser({ email: 'gone@example.com', emailVerifiedAt: new Date(), isActive: false });
    await expect(signIn()).rejects.toMatchObject({ code: 'OIDC_ACCOUNT_DISABLED' });
    const closed = setUp(() => ({ sub: 'z', email: 'new@example.com', email_verified: true }), { auto_register: false });
    await expect(closed.signIn()).rejects.toMatchObject({ code: 'OIDC_REGISTRATION_DISABLED' });
    expect(closed.u.data.tables.users).toHaveLength(0);
  });

  it('grants admin_emails only on a verified address', async () => {
    const { signIn } = setUp(() => ({ sub: 'b', email: 'boss@example.com', email_verified: true }));
    expect((await signIn()).issued?.user.isSuperuser).toBe(true);
    const unverified = setUp(() => ({ sub: 'b', email: 'boss@example.com', email_verified: false }), { allow_unverified_email: true });
    expect((await unverified.signIn()).issued?.user).toMatchObject({ isSuperuser: false, emailVerifiedAt: null });
  });

  it('refuses an unknown provider, and unlinking the last way to sign in', async () => {
    const { oidc, signIn } = setUp(() => ({ sub: 'c', email: 'carol@example.com', email_verified: true }));
    await expect(oidc.startSignIn('corp', '/')).rejects.toMatchObject({ code: 'OIDC_PROVIDER_NOT_FOUND' });
    expect(oidc.findOnlyProvider().name).toBe('Corp');
    const { issued } = await signIn();
    const [link] = await oidc.listLinkedAccounts(issued!.user.id);
    await expect(oidc.unlinkAccount(issued!.user, link!.id)).rejects.toMatchObject({ code: 'LAST_SIGN_IN_METHOD' });
    await expect(oidc.unlinkAccount(issued!.user, 'not-a-link')).rejects.toMatchObject({ code: 'LINKED_ACCOUNT_NOT_FOUND' });
  });

  it('builds the provider logout URL for the sessions it started, and purges spent transactions', async () => {
    const { u, oidc, signIn } = setUp(() => ({ sub: 'd', email: 'dan@example.com', email_verified: true }), { end_session: true });
    const { issued } = await signIn();
    const stored = u.data.tables.sessions[0]!;
    expect(await oidc.findEndSessionUrl(stored)).toContain('id_token_hint=raw-id-token');
    expect(await oidc.findEndSessionUrl({ ...issued!.session, authMethod: 'password' })).toBeNull();
    u.clock.advance(24 * 3600 * 1000);
    expect(await oidc.purgeSpentTransactions()).toBe(1);
  });
});
