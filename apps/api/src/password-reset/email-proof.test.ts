import { describe, expect, it } from '@jest/globals';
import { CLIENT, createRecordingMailer, createUnitServices, WITH_SMTP } from '../test-support/unit-services.js';

const tokenOf = (url: string) => new URL(url).searchParams.get('token')!;

describe('EmailProofService (fake repositories)', () => {
  it('a verify link proves exactly the address it was issued for, once', async () => {
    const u = createUnitServices();
    const ann = await u.addUser({ email: 'ann@example.com' });
    const link = await u.services.tokens.issue(ann.id, 'verify', 3600, ann.email);
    const proven = await u.services.emailProof.verify(tokenOf(link.url), CLIENT);
    expect(proven.emailVerifiedAt).toEqual(u.clock.now());
    expect(u.auditTypes()).toEqual(['email.verified']);
    await expect(u.services.emailProof.verify(tokenOf(link.url), CLIENT)).rejects.toMatchObject({ code: 'EMAIL_VERIFY_BAD_TOKEN' });
  });

  it('refuses a reset link, a link for an address the account no longer has, and a deactivated account', async () => {
    const u = createUnitServices();
    const ann = await u.addUser({ email: 'ann@example.com' });
    const reset = await u.services.tokens.issue(ann.id, 'reset', 3600, ann.email);
    await expect(u.services.emailProof.verify(tokenOf(reset.url), CLIENT)).rejects.toMatchObject({ code: 'EMAIL_VERIFY_BAD_TOKEN' });
    const stale = await u.services.tokens.issue(ann.id, 'verify', 3600, 'old@example.com');
    await expect(u.services.emailProof.verify(tokenOf(stale.url), CLIENT)).rejects.toMatchObject({ code: 'EMAIL_VERIFY_BAD_TOKEN' });
    const link = await u.services.tokens.issue(ann.id, 'verify', 3600, ann.email);
    await u.data.users.update(ann.id, { isActive: false });
    await expect(u.services.emailProof.verify(tokenOf(link.url), CLIENT)).rejects.toMatchObject({ code: 'EMAIL_VERIFY_BAD_TOKEN' });
    expect((await u.data.users.findById(ann.id))?.emailVerifiedAt).toBeNull();
  });

  it('applies a pending change when the new address confirms, unless another account took it meanwhile', async () => {
    const mailer = createRecordingMailer();
    const u = createUnitServices({
      mailer,
      config: WITH_SMTP,
    });
    const ann = await u.addUser({ email: 'ann@example.com' });
    const pending = await u.services.emailProof.startEmailChange(ann, 'new@example.com');
    expect(pending.pendingEmail).toBe('new@example.com');
    const verifyLink = u.data.tables.passwordTokens.find((token) => token.purpose === 'verify' && token.usedAt === null)!;
    expect(verifyLink.email).toBe('new@example.com');
    await u.ctx.tasks.idle();
    const url = mailer.sent.find((message) => message.to === 'new@example.com')!.text.match(/https?:\/\/\S+token=\S+/)![0];

    const squatter = await u.addUser({ email: 'new@example.com' });
    await expect(u.services.emailProof.verify(tokenOf(url), CLIENT)).rejects.toMatchObject({ code: 'UPDATE_USER_EMAIL_ALREADY_EXISTS' });
    // Rolled back as a whole: the link is still unused, the account unchanged.
    expect(u.data.tables.passwordTokens.find((token) => token.id === verifyLink.id)?.usedAt).toBeNull();
    await u.data.users.delete(squatter.id);
    const changed = await u.services.emailProof.verify(tokenOf(url), CLIENT);
    expect(changed).toMatchObject({ email: 'new@example.com', pendingEmail: null });
    expect(changed.emailVerifiedAt).not.toBeNull();
    expect(u.auditTypes()).toEqual(['email.change_requested', 'email.changed']);
  });

  it('sends nothing without SMTP and counts requests per address', async () => {
    const u = createUnitServices({ config: { auth: { rate_limits: { forgot_per_email: 2 } } } });
    await u.addUser({ email: 'ann@example.com' });
    await u.services.emailProof.requestVerification('ann@example.com', CLIENT);
    await u.services.emailProof.requestVerification('ann@example.com', CLIENT);
    await expect(u.services.emailProof.requestVerification('ann@example.com', CLIENT)).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    await u.ctx.tasks.idle();
    expect(u.data.tables.passwordTokens).toHaveLength(0);
  });
});
