import { describe, expect, it } from '@jest/globals';
import { CLIENT, STRONG, createUnitServices } from '../test-support/unit-services.js';

describe('Reauthentication (fake repositories)', () => {
  const signedIn = async () => {
    const u = createUnitServices({ config: { auth: { reauthentication_window: 300 } } });
    const ann = await u.addUser({ email: 'ann@example.com' });
    const { session } = await u.services.auth.loginWithPassword('ann@example.com', STRONG, 'bearer', CLIENT);
    return { u, ann, session };
  };

  it('a fresh sign-in counts; past the window it needs the password again, which re-opens it', async () => {
    const { u, ann, session } = await signedIn();
    await u.services.reauthentication.assertRecentlyAuthenticated(ann, session.id);
    u.clock.advance(301_000);
    await expect(u.services.reauthentication.assertRecentlyAuthenticated(ann, session.id)).rejects.toMatchObject({
      code: 'REAUTHENTICATION_REQUIRED',
    });
    await u.services.reauthentication.reauthenticateWithPassword(ann, session.id, STRONG);
    await u.services.reauthentication.assertRecentlyAuthenticated(ann, session.id);
    expect(u.auditTypes()).toContain('session.reauthenticated');
  });

  it('a wrong password is refused, audited and counted against the account', async () => {
    const { u, ann, session } = await signedIn();
    await expect(u.services.reauthentication.reauthenticateWithPassword(ann, session.id, 'not it at all')).rejects.toMatchObject({
      code: 'CURRENT_PASSWORD_INVALID',
    });
    expect(u.auditTypes()).toContain('session.reauthentication_failed');
    expect(u.data.tables.rateLimits.find((row) => row.key === 'login-account:ann@example.com')?.count).toBe(1);
    expect(u.data.tables.sessions[0]?.authenticatedAt).toBeNull();
  });

  it('a revoked session, or one of another user, never counts', async () => {
    const { u, ann, session } = await signedIn();
    const bob = await u.addUser({ email: 'bob@example.com' });
    await expect(u.services.reauthentication.assertRecentlyAuthenticated(bob, session.id)).rejects.toMatchObject({
      code: 'REAUTHENTICATION_REQUIRED',
    });
    await u.services.auth.logout(session.id, ann);
    await expect(u.services.reauthentication.assertRecentlyAuthenticated(ann, session.id)).rejects.toMatchObject({
      code: 'REAUTHENTICATION_REQUIRED',
    });
  });

  it('a password-less account uses a recent provider sign-in; accounts with a password never do', async () => {
    const { u, ann, session } = await signedIn();
    expect(await u.services.reauthentication.checkRecentProviderSignIn(ann, session.id)).toBe(false);
    const sso = await u.addUser({ email: 'sso@example.com', password: null });
    const issued = await u.services.auth.issueSession(sso, 'cookie', 'oidc:Home', CLIENT);
    expect(await u.services.reauthentication.checkRecentProviderSignIn(sso, issued.session.id)).toBe(true);
    u.clock.advance(301_000);
    await expect(u.services.reauthentication.checkRecentProviderSignIn(sso, issued.session.id)).rejects.toMatchObject({
      code: 'REAUTHENTICATION_REQUIRED',
    });
  });
});
