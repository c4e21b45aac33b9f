import { describe, expect, it } from '@jest/globals';
import { CLI_ACTOR } from '../audit/service.js';
import { CLIENT, STRONG, createRecordingMailer, createUnitServices } from '../test-support/unit-services.js';

const tokenOf = (url: string) => new URL(url).searchParams.get('token')!;
const NEW_PASSWORD = 'a brand new passphrase';

describe('one-time password links (fake repositories)', () => {
  it('a reset link sets the password once, ends every session and voids the other links', async () => {
    const u = createUnitServices();
    const ann = await u.addUser({ email: 'ann@example.com' });
    await u.services.auth.loginWithPassword('ann@example.com', STRONG, 'bearer', CLIENT);
    const older = await u.services.tokens.issue(ann.id, 'reset', 3600, ann.email);
    const link = await u.services.tokens.issue(ann.id, 'reset', 3600, ann.email);
    // Issuing a new link killed the older one.
    await expect(u.services.tokens.resetPassword(tokenOf(older.url), NEW_PASSWORD)).rejects.toMatchObject({ code: 'RESET_PASSWORD_BAD_TOKEN' });
    await u.services.tokens.resetPassword(tokenOf(link.url), NEW_PASSWORD);
    expect((await u.data.users.findById(ann.id))?.hashedPassword).toBe(`hashed:${NEW_PASSWORD}`);
    expect(u.data.tables.sessions.every((session) => session.revokedAt !== null)).toBe(true);
    await expect(u.services.tokens.resetPassword(tokenOf(link.url), 'yet another passphrase')).rejects.toMatchObject({
      code: 'RESET_PASSWORD_BAD_TOKEN',
    });
    expect(u.auditTypes()).toEqual(['sign_in.succeeded', 'password.reset']);
  });

  it('refuses an expired link, a verify link, a deactivated account and a weak password (the link stays usable)', async () => {
    const u = createUnitServices();
    const ann = await u.addUser({ email: 'ann@example.com' });
    const expired = await u.services.tokens.issue(ann.id, 'reset', 60, ann.email);
    u.clock.advance(61_000);
    await expect(u.services.tokens.resetPassword(tokenOf(expired.url), NEW_PASSWORD)).rejects.toMatchObject({ code: 'RESET_PASSWORD_BAD_TOKEN' });
    const verify = await u.services.tokens.issue(ann.id, 'verify', 3600, ann.email);
    await expect(u.services.tokens.resetPassword(tokenOf(verify.url), NEW_PASSWORD)).rejects.toMatchObject({ code: 'RESET_PASSWORD_BAD_TOKEN' });
    const link = await u.services.tokens.issue(ann.id, 'reset', 3600, ann.email);
    await expect(u.services.tokens.resetPassword(tokenOf(link.url), 'short')).rejects.toMatchObject({ code: 'RESET_PASSWORD_INVALID_PASSWORD' });
    await u.data.users.update(ann.id, { isActive: false });
    await expect(u.services.tokens.resetPassword(tokenOf(link.url), NEW_PASSWORD)).rejects.toMatchObject({ code: 'RESET_PASSWORD_BAD_TOKEN' });
    expect((await u.data.users.findById(ann.id))?.hashedPassword).toBe(`hashed:${STRONG}`);
  });
});

describe('PasswordResetService (fake repositories)', () => {
  it('mails a reset link to an active account, nothing to an unknown one, with the same answer', async () => {
    const mailer = createRecordingMailer();
    const u = createUnitServices({
      mailer,
      config: {
        auth: { email_password_resets: true },
        notifications: { smtp_config: { smtp_host: 'smtp.test', smtp_port: 25, smtp_user: '', smtp_password: '', from_email: 'g@example.com' } },
      },
    });
    await u.addUser({ email: 'ann@example.com' });
    await u.services.passwordReset.requestReset('ann@example.com', CLIENT);
    await u.services.passwordReset.requestReset('nobody@example.com', CLIENT);
    await u.ctx.tasks.idle();
    expect(mailer.sent.map((message) => message.to)).toEqual(['ann@example.com']);
  });

  it('counts a bad link against the client (429 at the limit) and hands the admin a link without SMTP', async () => {
    const u = createUnitServices({ config: { auth: { rate_limits: { reset_failures_per_client: 2, backoff_after: 100 } } } });
    const ann = await u.addUser({ email: 'ann@example.com' });
    for (let i = 0; i < 2; i += 1) {
      await expect(u.services.passwordReset.resetPassword('bogus', NEW_PASSWORD, CLIENT)).rejects.toMatchObject({
        code: 'RESET_PASSWORD_BAD_TOKEN',
      });
    }
    await expect(u.services.passwordReset.resetPassword('bogus', NEW_PASSWORD, CLIENT)).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    const result = await u.services.passwordReset.sendResetLinkAsAdmin(CLI_ACTOR, ann.id);
    expect(result).toMatchObject({ sent: false, delivery_error: null });
    expect(result.reset_url).toMatch(/reset-password\?token=/);
    await expect(u.services.passwordReset.sendResetLinkAsAdmin(CLI_ACTOR, 'nope')).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
  });
});
