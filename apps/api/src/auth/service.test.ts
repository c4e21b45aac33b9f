import { describe, expect, it } from '@jest/globals';
import { CLIENT, STRONG, createUnitServices } from '../test-support/unit-services.js';
import { buildOidcProviderConfig } from '../test-support/oidc-fixtures.js';

describe('AuthService (fake repositories)', () => {
  it('signs in with the right password: a session row, a token it accepts, an audit event', async () => {
    const u = createUnitServices();
    await u.addUser({ email: 'ann@example.com' });
    const issued = await u.services.auth.loginWithPassword('Ann@Example.com ', STRONG, 'bearer', CLIENT);
    expect(issued.user.email).toBe('ann@example.com');
    expect(issued.forwardToken).toBeNull();
    expect(u.data.tables.sessions).toHaveLength(1);
    expect(u.data.tables.sessions[0]).toMatchObject({ transport: 'bearer', authMethod: 'password', ipAddress: CLIENT.ipAddress });
    expect((await u.services.auth.authenticate(issued.token, 'bearer'))?.user.email).toBe('ann@example.com');
    // A bearer token is no cookie credential.
    expect(await u.services.auth.authenticate(issued.token, 'cookie')).toBeNull();
    expect(u.auditTypes()).toEqual(['sign_in.succeeded']);
  });

  it('refuses a wrong password, an unknown email, a deactivated account and a password-less one alike', async () => {
    const u = createUnitServices();
    await u.addUser({ email: 'ann@example.com' });
    await u.addUser({ email: 'gone@example.com', isActive: false });
    await u.addUser({ email: 'sso@example.com', password: null });
    const attempts: Array<[string, string]> = [
      ['ann@example.com', 'wrong password here'],
      ['nobody@example.com', STRONG],
      ['gone@example.com', STRONG],
      ['sso@example.com', STRONG],
    ];
    for (const [email, password] of attempts) {
      await expect(u.services.auth.loginWithPassword(email, password, 'cookie', CLIENT)).rejects.toMatchObject({
        code: 'LOGIN_BAD_CREDENTIALS',
      });
    }
    expect(u.data.tables.sessions).toHaveLength(0);
    const reasons = u.data.tables.auditEvents.map((event) => (event.details as { reason: string }).reason);
    expect(reasons).toEqual(['wrong_password', 'unknown_email', 'account_disabled', 'no_password_set']);
  });

  it('locks an account after the configured failures (429), and a success clears the count', async () => {
    const u = createUnitServices({ config: { auth: { rate_limits: { login_failures_per_account: 3, backoff_after: 100 } } } });
    await u.addUser({ email: 'ann@example.com' });
    const client = { userAgent: null, ipAddress: null };
    await u.services.auth.loginWithPassword('ann@example.com', STRONG, 'bearer', client);
    for (let i = 0; i < 3; i += 1) {
      await expect(u.services.auth.loginWithPassword('ann@example.com', 'nope nope nope', 'bearer', client)).rejects.toMatchObject({
        code: 'LOGIN_BAD_CREDENTIALS',
      });
    }
    await expect(u.services.auth.loginWithPassword('ann@example.com', STRONG, 'bearer', client)).rejects.toMatchObject({
      code: 'RATE_LIMITED',
    });
  });

  it('refuses password sign-in when it is turned off, registration when it is closed', async () => {
    // SSO-only needs a provider (the loader refuses the setting otherwise); it is never contacted.
    const provider = buildOidcProviderConfig({ name: 'Home', client_id: 'c', configuration_endpoint: 'http://127.0.0.1:9/x' });
    const u = createUnitServices({
      config: { auth: { password_login_enabled: false, registration_enabled: false, openid_connect: [provider] } },
    });
    await expect(u.services.auth.loginWithPassword('a@example.com', STRONG, 'bearer', CLIENT)).rejects.toMatchObject({
      code: 'PASSWORD_LOGIN_DISABLED',
    });
    await expect(u.services.auth.register({ email: 'a@example.com', password: STRONG }, CLIENT)).rejects.toMatchObject({
      code: 'REGISTRATION_DISABLED',
    });
  });

  it('registers unapproved, non-admin, unproven accounts and refuses a taken address', async () => {
    const u = createUnitServices({ config: { auth: { admin_emails: ['boss@example.com'] } } });
    const user = await u.services.auth.register({ email: 'Boss@Example.com', password: STRONG }, CLIENT);
    expect(user).toMatchObject({ email: 'boss@example.com', isVerified: false, isSuperuser: false, emailVerifiedAt: null });
    await expect(u.services.auth.register({ email: 'boss@example.com', password: STRONG }, CLIENT)).rejects.toMatchObject({
      code: 'REGISTER_USER_ALREADY_EXISTS',
    });
    await expect(u.services.auth.register({ email: 'weak@example.com', password: 'short' }, CLIENT)).rejects.toMatchObject({
      code: 'REGISTER_INVALID_PASSWORD',
    });
  });

  it('stops accepting a token once its session is revoked, expired, idle, or its user deactivated', async () => {
    const u = createUnitServices({ config: { auth: { session_cache_seconds: 0 } } });
    const ann = await u.addUser({ email: 'ann@example.com' });
    const login = () => u.services.auth.loginWithPassword('ann@example.com', STRONG, 'cookie', CLIENT);

    const revoked = await login();
    await u.services.auth.logout(revoked.session.id, ann);
    expect(await u.services.auth.authenticate(revoked.token, 'cookie')).toBeNull();

    const deactivated = await login();
    await u.data.users.update(ann.id, { isActive: false });
    expect(await u.services.auth.authenticate(deactivated.token, 'cookie')).toBeNull();
    expect(await u.services.auth.authenticateForward(deactivated.forwardToken!)).toBeNull();
    await u.data.users.update(ann.id, { isActive: true });

    const idle = await login();
    expect(await u.services.auth.authenticate(idle.token, 'cookie')).not.toBeNull();
    u.clock.advance(u.ctx.config.auth.session_idle_timeout * 1000);
    expect(await u.services.auth.authenticate(idle.token, 'cookie')).toBeNull();
    // Housekeeping deletes what can never authenticate again.
    await u.services.auth.purgeExpired();
    expect(u.data.tables.sessions).toHaveLength(0);
  });

  it('never accepts a forward credential as a session token, nor a token naming a malformed session id', async () => {
    const u = createUnitServices();
    await u.addUser({ email: 'ann@example.com' });
    const issued = await u.services.auth.loginWithPassword('ann@example.com', STRONG, 'cookie', CLIENT);
    expect(await u.services.auth.authenticate(issued.forwardToken!, 'cookie')).toBeNull();
    expect(u.services.auth.isSessionToken(issued.token)).toBe(true);
    expect(u.services.auth.isSessionToken('not.a.token')).toBe(false);
  });
});
