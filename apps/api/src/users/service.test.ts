import { describe, expect, it } from '@jest/globals';
import { CLI_ACTOR, actorOf } from '../audit/service.js';
import { CLIENT, STRONG, createRecordingMailer, createUnitServices, WITH_SMTP } from '../test-support/unit-services.js';

describe('UserService (fake repositories)', () => {
  it('creates an account without a password together with its setup link, and refuses a taken address', async () => {
    const u = createUnitServices();
    const { user, setupUrl } = await u.services.users.create(CLI_ACTOR, { email: 'New@Example.com' });
    expect(user).toMatchObject({ email: 'new@example.com', hashedPassword: null, isVerified: true });
    expect(user.emailVerifiedAt).not.toBeNull();
    expect(setupUrl).toMatch(/^http:\/\/gatehouse\.test\/reset-password\?token=/);
    expect(u.data.tables.passwordTokens).toMatchObject([{ userId: user.id, purpose: 'setup', usedAt: null }]);
    await expect(u.services.users.create(CLI_ACTOR, { email: 'new@example.com' })).rejects.toMatchObject({
      code: 'REGISTER_USER_ALREADY_EXISTS',
    });
    // The refused one left no link behind.
    expect(u.data.tables.passwordTokens).toHaveLength(1);
  });

  it('never removes the last active administrator, and an admin cannot demote or delete themselves', async () => {
    const u = createUnitServices();
    const boss = await u.addUser({ email: 'boss@example.com', isSuperuser: true });
    await expect(u.services.users.update(CLI_ACTOR, boss.id, { is_superuser: false })).rejects.toMatchObject({ code: 'LAST_ADMIN' });
    await expect(u.services.users.update(CLI_ACTOR, boss.id, { is_active: false })).rejects.toMatchObject({ code: 'LAST_ADMIN' });
    await expect(u.services.users.delete(CLI_ACTOR, boss.id)).rejects.toMatchObject({ code: 'LAST_ADMIN' });
    await expect(u.services.users.update(actorOf(boss), boss.id, { is_active: false })).rejects.toMatchObject({
      code: 'CANNOT_MODIFY_SELF',
    });
    await expect(u.services.users.delete(actorOf(boss), boss.id)).rejects.toMatchObject({ code: 'CANNOT_MODIFY_SELF' });
    expect((await u.data.users.findById(boss.id))?.isSuperuser).toBe(true);
  });

  it('deactivating a user ends their sessions and voids their links, in the same transaction', async () => {
    const u = createUnitServices();
    await u.addUser({ email: 'boss@example.com', isSuperuser: true });
    const ann = await u.addUser({ email: 'ann@example.com' });
    await u.services.auth.loginWithPassword('ann@example.com', STRONG, 'bearer', CLIENT);
    await u.services.tokens.issue(ann.id, 'reset', 3600, ann.email);
    await u.services.users.update(CLI_ACTOR, ann.id, { is_active: false });
    expect(u.data.tables.sessions.every((session) => session.revokedAt !== null)).toBe(true);
    expect(u.data.tables.passwordTokens.every((token) => token.usedAt !== null)).toBe(true);
    expect(u.auditTypes()).toContain('admin.user_updated');
  });

  it('a user changes their email or password only with the current password', async () => {
    const u = createUnitServices();
    const ann = await u.addUser({ email: 'ann@example.com' });
    const { session } = await u.services.auth.loginWithPassword('ann@example.com', STRONG, 'bearer', CLIENT);
    await expect(u.services.users.updateMe(ann, session.id, { email: 'ann2@example.com' })).rejects.toMatchObject({
      code: 'CURRENT_PASSWORD_REQUIRED',
    });
    await expect(
      u.services.users.updateMe(ann, session.id, { email: 'ann2@example.com', current_password: 'not the password' }),
    ).rejects.toMatchObject({ code: 'CURRENT_PASSWORD_INVALID' });
    const updated = await u.services.users.updateMe(ann, session.id, { email: 'ann2@example.com', current_password: STRONG });
    // Without SMTP the change applies at once, unproven.
    expect(updated).toMatchObject({ email: 'ann2@example.com', emailVerifiedAt: null });
    expect(u.auditTypes()).toContain('email.changed');
  });

  it('refuses an address another account has', async () => {
    const u = createUnitServices();
    const ann = await u.addUser({ email: 'ann@example.com' });
    await u.addUser({ email: 'bob@example.com' });
    const { session } = await u.services.auth.loginWithPassword('ann@example.com', STRONG, 'bearer', CLIENT);
    await expect(u.services.users.updateMe(ann, session.id, { email: 'bob@example.com', current_password: STRONG })).rejects.toMatchObject({
      code: 'UPDATE_USER_EMAIL_ALREADY_EXISTS',
    });
  });

  it('with SMTP, an email change waits for the new address and mails both', async () => {
    const mailer = createRecordingMailer();
    const u = createUnitServices({
      mailer,
      config: WITH_SMTP,
    });
    const ann = await u.addUser({ email: 'ann@example.com' });
    const { session } = await u.services.auth.loginWithPassword('ann@example.com', STRONG, 'bearer', CLIENT);
    const updated = await u.services.users.updateMe(ann, session.id, { email: 'new@example.com', current_password: STRONG });
    expect(updated).toMatchObject({ email: 'ann@example.com', pendingEmail: 'new@example.com' });
    await u.ctx.tasks.idle();
    expect(mailer.sent.map((message) => message.to).sort()).toEqual(['ann@example.com', 'new@example.com']);
  });

  it('a password change ends every other session', async () => {
    const u = createUnitServices();
    const ann = await u.addUser({ email: 'ann@example.com' });
    const current = await u.services.auth.loginWithPassword('ann@example.com', STRONG, 'bearer', CLIENT);
    const other = await u.services.auth.loginWithPassword('ann@example.com', STRONG, 'bearer', CLIENT);
    await u.services.users.updateMe(ann, current.session.id, { password: 'another strong passphrase', current_password: STRONG });
    const byId = (id: string) => u.data.tables.sessions.find((session) => session.id === id)!;
    expect(byId(current.session.id).revokedAt).toBeNull();
    expect(byId(other.session.id).revokedAt).not.toBeNull();
  });

  it('revokes only live sessions of the user', async () => {
    const u = createUnitServices();
    const ann = await u.addUser({ email: 'ann@example.com' });
    const bob = await u.addUser({ email: 'bob@example.com' });
    const bobs = await u.services.auth.loginWithPassword('bob@example.com', STRONG, 'bearer', CLIENT);
    await expect(u.services.users.revokeSession(ann, bobs.session.id)).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND' });
    await expect(u.services.users.revokeSession(ann, 'not-a-uuid')).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND' });
    await u.services.users.revokeSession(bob, bobs.session.id);
    expect(await u.services.users.listSessions(bob.id)).toEqual([]);
  });
});
