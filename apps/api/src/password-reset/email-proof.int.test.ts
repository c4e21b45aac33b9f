// Email proven as its own fact (issue 18): proof by a link mailed to the address, every email
// change dropping the proof (waiting for the new address with SMTP), admin-set addresses proven,
// and one-time links dying with the facts they were issued for.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import type { SmtpConfig } from '../config/types.js';
import { createMailer } from '../mail/mailer.js';
import { createTestContext, type TestContext } from '../test-support/test-context.js';
import { STRONG_PASSWORD, createUser, loginBearer } from '../test-support/fixtures.js';
import { startSmtpTestServer, type SmtpTestServer } from '../test-support/smtp-test-server.js';

const SITE = 'https://gatehouse.example.com';
const PROVEN = new Date('2026-01-01T00:00:00Z');

function smtpConfig(port: number): SmtpConfig {
  return {
    smtp_host: '127.0.0.1',
    smtp_port: port,
    smtp_user: '',
    smtp_password: '',
    from_email: 'gatehouse@example.com',
    use_tls: false,
    implicit_tls: false,
    ca_file: '',
    from_name: 'Gatehouse',
    connection_timeout: 2,
    send_timeout: 5,
  };
}

async function contextWith(smtp: SmtpConfig | null): Promise<TestContext> {
  return createTestContext({
    config: {
      auth: { email_password_resets: smtp !== null, email_verification_subject: 'Confirm your Gatehouse email' },
      misc: { frontend_url: SITE },
      notifications: { smtp_config: smtp },
    },
    mailer: (config) => (config.notifications.smtp_config ? createMailer(config.notifications.smtp_config) : null),
  });
}

const api = (t: TestContext) => request(t.app);
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const requestVerify = (t: TestContext, email: string) => api(t).post('/api/v1/auth/request-verify-token').send({ email });
const verify = (t: TestContext, token: string) => api(t).post('/api/v1/auth/verify').send({ token });
const resetPassword = (t: TestContext, token: string, password = 'a brand new passphrase') =>
  api(t).post('/api/v1/auth/reset-password').send({ token, password });

function linkToken(text: string, page: 'verify-email' | 'reset-password'): string {
  const match = new RegExp(`${SITE.replace(/\./g, '\\.')}/${page}\\?token=([A-Za-z0-9_-]+)`).exec(text);
  if (!match) throw new Error(`no ${page} link in:\n${text}`);
  return match[1]!;
}

const mailsTo = (smtp: SmtpTestServer, address: string) => smtp.received.filter((mail) => mail.envelopeTo.includes(address));

function lastLinkTo(smtp: SmtpTestServer, address: string, page: 'verify-email' | 'reset-password' = 'verify-email'): string {
  const mails = mailsTo(smtp, address).filter((mail) => (mail.parsed.text ?? '').includes(`/${page}?`));
  const mail = mails[mails.length - 1];
  if (!mail) throw new Error(`no mail with a ${page} link to ${address}`);
  return linkToken(mail.parsed.text ?? '', page);
}

async function userRow(t: TestContext, email: string) {
  return t.ctx.db.prisma.user.findUnique({ where: { email } });
}

async function freshResetLink(t: TestContext, smtp: SmtpTestServer, email: string): Promise<string> {
  await api(t).post('/api/v1/auth/forgot-password').send({ email });
  await t.ctx.tasks.idle();
  return lastLinkTo(smtp, email, 'reset-password');
}

describe('proof of an email address by link, over real SMTP', () => {
  let smtp: SmtpTestServer;
  let t: TestContext;

  beforeAll(async () => {
    smtp = await startSmtpTestServer({});
    t = await contextWith(smtpConfig(smtp.port));
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });
  beforeEach(async () => {
    smtp.received.length = 0;
    await t.ctx.db.prisma.rateLimit.deleteMany({});
  });

  it('registration creates an unproven account and mails a link that proves it, once', async () => {
    const registered = await api(t).post('/api/v1/auth/register').send({ email: 'Newbie@Example.com', password: STRONG_PASSWORD });
    expect(registered.status).toBe(201);
    expect(registered.body).toMatchObject({ email: 'newbie@example.com', email_verified_at: null, pending_email: null });
    await t.ctx.tasks.idle();
    const [mail] = mailsTo(smtp, 'newbie@example.com');
    expect(mail?.parsed.subject).toBe('Confirm your Gatehouse email');
    const token = lastLinkTo(smtp, 'newbie@example.com');
    // Only the hash is stored, bound to the address it was sent to.
    const rows = await t.ctx.db.prisma.passwordToken.findMany({ where: { purpose: 'verify', user: { email: 'newbie@example.com' } } });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.email).toBe('newbie@example.com');
    expect(rows[0]!.tokenHash).not.toContain(token);

    const first = await verify(t, token);
    expect(first.status).toBe(200);
    expect(first.body.email).toBe('newbie@example.com');
    expect(Date.parse(first.body.email_verified_at)).toBe(t.clock.now().getTime());
    // Confirming does not sign in.
    expect(first.headers['set-cookie']).toBeUndefined();
    expect(first.body).not.toHaveProperty('access_token');
    const second = await verify(t, token);
    expect(second.status).toBe(400);
    expect(second.body.detail).toBe('EMAIL_VERIFY_BAD_TOKEN');
    expect(String(second.body.message)).toMatch(/invalid, expired or already used/);
  });

  it('answers identically for unknown, proven and unproven accounts, and mails only the unproven one', async () => {
    await createUser(t.ctx, { email: 'proven@example.com', emailVerifiedAt: PROVEN });
    await createUser(t.ctx, { email: 'unproven@example.com' });
    await createUser(t.ctx, { email: 'off@example.com', isActive: false });
    const answers = [];
    for (const email of ['nobody@example.com', 'proven@example.com', 'unproven@example.com', 'off@example.com']) {
      const res = await requestVerify(t, email);
      answers.push([res.status, JSON.stringify(res.body)]);
    }
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    expect(answers[0]![0]).toBe(202);
    await t.ctx.tasks.idle();
    expect(smtp.received.flatMap((mail) => mail.envelopeTo)).toEqual(['unproven@example.com']);
    const res = await verify(t, lastLinkTo(smtp, 'unproven@example.com'));
    expect(res.status).toBe(200);
    expect((await userRow(t, 'unproven@example.com'))!.emailVerifiedAt).not.toBeNull();
  });

  it('a link expires after email_verification_lifetime, and a newer one kills the older', async () => {
    await createUser(t.ctx, { email: 'slow@example.com' });
    await requestVerify(t, 'slow@example.com');
    await t.ctx.tasks.idle();
    const older = lastLinkTo(smtp, 'slow@example.com');
    await requestVerify(t, 'slow@example.com');
    await t.ctx.tasks.idle();
    const newer = lastLinkTo(smtp, 'slow@example.com');
    expect(newer).not.toBe(older);
    expect((await verify(t, older)).body.detail).toBe('EMAIL_VERIFY_BAD_TOKEN');
    t.clock.advance(86_400_000 + 1000);
    const late = await verify(t, newer);
    expect(late.status).toBe(400);
    expect(late.body.detail).toBe('EMAIL_VERIFY_BAD_TOKEN');
    expect((await userRow(t, 'slow@example.com'))!.emailVerifiedAt).toBeNull();
  });

  it('limits requests per email address (429 with Retry-After), with the same answer for every account', async () => {
    const statuses = [];
    for (let i = 0; i < 6; i += 1) statuses.push((await requestVerify(t, 'nobody-again@example.com')).status);
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429]);
    const limited = await requestVerify(t, 'NOBODY-again@example.com');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Its own counter: the password-reset budget of the address is untouched.
    expect((await api(t).post('/api/v1/auth/forgot-password').send({ email: 'nobody-again@example.com' })).status).toBe(202);
  });

  it('limits requests per client across addresses', async () => {
    const statuses = [];
    for (let i = 0; i < 21; i += 1) statuses.push((await requestVerify(t, `spray-${i}@example.com`)).status);
    expect(statuses.slice(0, 20).every((status) => status === 202)).toBe(true);
    expect(statuses[20]).toBe(429);
  });

  it('counts wrong tokens per client and locks the client out', async () => {
    const statuses = [];
    for (let i = 0; i < 20; i += 1) {
      let res = await verify(t, `bogus-${i}`);
      if (res.status === 429) {
        t.clock.advance(Number(res.headers['retry-after']) * 1000);
        res = await verify(t, `bogus-${i}`);
      }
      statuses.push(res.status);
    }
    expect(statuses.every((status) => status === 400)).toBe(true);
    const locked = await verify(t, 'bogus-20');
    expect(locked.status).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBe(900);
  });

  it('a verify link never sets a password, and a reset link never proves an address', async () => {
    await createUser(t.ctx, { email: 'mixed@example.com' });
    await requestVerify(t, 'mixed@example.com');
    const resetToken = await freshResetLink(t, smtp, 'mixed@example.com');
    const verifyToken = lastLinkTo(smtp, 'mixed@example.com');
    const asReset = await resetPassword(t, verifyToken);
    expect(asReset.status).toBe(400);
    expect(asReset.body.detail).toBe('RESET_PASSWORD_BAD_TOKEN');
    const asVerify = await verify(t, resetToken);
    expect(asVerify.status).toBe(400);
    expect(asVerify.body.detail).toBe('EMAIL_VERIFY_BAD_TOKEN');
    expect((await userRow(t, 'mixed@example.com'))!.emailVerifiedAt).toBeNull();
    // Each still works for its own purpose: issuing one kind did not kill the other.
    expect((await verify(t, verifyToken)).status).toBe(200);
    expect((await resetPassword(t, resetToken)).status).toBe(204);
  });

  describe('self-service email change', () => {
    it('waits for the new address: pending_email shown, the old address told, confirmed from the new inbox', async () => {
      await createUser(t.ctx, { email: 'mover@example.com', emailVerifiedAt: PROVEN });
      const session = await loginBearer(t.app, 'mover@example.com');
      const changed = await api(t)
        .patch('/api/v1/users/me')
        .set(bearer(session))
        .send({ email: 'Moved@Example.com', current_password: STRONG_PASSWORD });
      expect(changed.status).toBe(200);
      expect(changed.body).toMatchObject({ email: 'mover@example.com', pending_email: 'moved@example.com' });
      expect(changed.body.email_verified_at).not.toBeNull();
      const me = await api(t).get('/api/v1/users/me').set(bearer(session));
      expect(me.body.pending_email).toBe('moved@example.com');
      await t.ctx.tasks.idle();
      const notice = mailsTo(smtp, 'mover@example.com');
      expect(notice).toHaveLength(1);
      expect(notice[0]!.parsed.text).toContain('moved@example.com');
      // The notice to the old address carries no link that could apply the change.
      expect(notice[0]!.parsed.text).not.toMatch(/token=/);
      // Until confirmed, the old address is the account's.
      await expect(loginBearer(t.app, 'moved@example.com')).rejects.toThrow(/400/);

      const confirmed = await verify(t, lastLinkTo(smtp, 'moved@example.com'));
      expect(confirmed.status).toBe(200);
      expect(confirmed.body).toMatchObject({ email: 'moved@example.com', pending_email: null });
      expect(Date.parse(confirmed.body.email_verified_at)).toBe(t.clock.now().getTime());
      await expect(loginBearer(t.app, 'moved@example.com')).resolves.toEqual(expect.any(String));
      await expect(loginBearer(t.app, 'mover@example.com')).rejects.toThrow(/400/);
    });

    it("an attacker changing to a colleague's address gets neither the address nor a proof without the colleague's inbox", async () => {
      await createUser(t.ctx, { email: 'attacker@example.com', emailVerifiedAt: PROVEN });
      const session = await loginBearer(t.app, 'attacker@example.com');
      await api(t).patch('/api/v1/users/me').set(bearer(session)).send({ email: 'colleague@example.com', current_password: STRONG_PASSWORD });
      await t.ctx.tasks.idle();
      const attacker = await userRow(t, 'attacker@example.com');
      expect(attacker).toMatchObject({ pendingEmail: 'colleague@example.com' });
      expect(await userRow(t, 'colleague@example.com')).toBeNull();
      // Asking again sends the link to the new address only, never to the requester's.
      smtp.received.length = 0;
      await requestVerify(t, 'attacker@example.com');
      await t.ctx.tasks.idle();
      expect(smtp.received.flatMap((mail) => mail.envelopeTo)).toEqual(['colleague@example.com']);
    });

    it('checks the new address at request and again at confirmation', async () => {
      await createUser(t.ctx, { email: 'taken@example.com' });
      await createUser(t.ctx, { email: 'racer@example.com', emailVerifiedAt: PROVEN });
      const session = await loginBearer(t.app, 'racer@example.com');
      const taken = await api(t)
        .patch('/api/v1/users/me')
        .set(bearer(session))
        .send({ email: 'taken@example.com', current_password: STRONG_PASSWORD });
      expect(taken.status).toBe(400);
      expect(taken.body.detail).toBe('UPDATE_USER_EMAIL_ALREADY_EXISTS');
      expect((await userRow(t, 'racer@example.com'))!.pendingEmail).toBeNull();

      await api(t).patch('/api/v1/users/me').set(bearer(session)).send({ email: 'later@example.com', current_password: STRONG_PASSWORD });
      await t.ctx.tasks.idle();
      const token = lastLinkTo(smtp, 'later@example.com');
      // Someone else takes the address meanwhile.
      await createUser(t.ctx, { email: 'later@example.com' });
      const clash = await verify(t, token);
      expect(clash.status).toBe(400);
      expect(clash.body.detail).toBe('UPDATE_USER_EMAIL_ALREADY_EXISTS');
      expect(clash.body.message).toMatch(/Another account uses this address now/);
      expect(await userRow(t, 'racer@example.com')).toMatchObject({ email: 'racer@example.com', emailVerifiedAt: PROVEN });
    });

    it('sending the current address again cancels the pending change and kills its link', async () => {
      await createUser(t.ctx, { email: 'undecided@example.com', emailVerifiedAt: PROVEN });
      const session = await loginBearer(t.app, 'undecided@example.com');
      await api(t).patch('/api/v1/users/me').set(bearer(session)).send({ email: 'maybe@example.com', current_password: STRONG_PASSWORD });
      await t.ctx.tasks.idle();
      const token = lastLinkTo(smtp, 'maybe@example.com');
      const cancelled = await api(t)
        .patch('/api/v1/users/me')
        .set(bearer(session))
        .send({ email: 'undecided@example.com', current_password: STRONG_PASSWORD });
      expect(cancelled.status).toBe(200);
      expect(cancelled.body).toMatchObject({ email: 'undecided@example.com', pending_email: null });
      expect((await verify(t, token)).body.detail).toBe('EMAIL_VERIFY_BAD_TOKEN');
      expect((await userRow(t, 'undecided@example.com'))!.emailVerifiedAt).toEqual(PROVEN);
    });

    it('still needs the current password', async () => {
      await createUser(t.ctx, { email: 'careful@example.com' });
      const session = await loginBearer(t.app, 'careful@example.com');
      const missing = await api(t).patch('/api/v1/users/me').set(bearer(session)).send({ email: 'x@example.com' });
      expect(missing.body.detail).toBe('CURRENT_PASSWORD_REQUIRED');
      const wrong = await api(t).patch('/api/v1/users/me').set(bearer(session)).send({ email: 'x@example.com', current_password: 'not it at all' });
      expect(wrong.body.detail).toBe('CURRENT_PASSWORD_INVALID');
      expect((await userRow(t, 'careful@example.com'))!.pendingEmail).toBeNull();
    });
  });

  describe('one-time links die with the facts they were issued for', () => {
    it('a pending email change voids every reset link of the account, in the same transaction', async () => {
      await createUser(t.ctx, { email: 'linked@example.com', emailVerifiedAt: PROVEN });
      const resetToken = await freshResetLink(t, smtp, 'linked@example.com');
      const session = await loginBearer(t.app, 'linked@example.com');
      await api(t).patch('/api/v1/users/me').set(bearer(session)).send({ email: 'linked2@example.com', current_password: STRONG_PASSWORD });
      expect((await resetPassword(t, resetToken)).body.detail).toBe('RESET_PASSWORD_BAD_TOKEN');
    });

    it('an applied change (confirmed) voids the links issued before it', async () => {
      await createUser(t.ctx, { email: 'applied@example.com', emailVerifiedAt: PROVEN });
      const session = await loginBearer(t.app, 'applied@example.com');
      await api(t).patch('/api/v1/users/me').set(bearer(session)).send({ email: 'applied2@example.com', current_password: STRONG_PASSWORD });
      await t.ctx.tasks.idle();
      const verifyToken = lastLinkTo(smtp, 'applied2@example.com');
      // A reset link asked for the old address while the change was pending.
      const resetToken = await freshResetLink(t, smtp, 'applied@example.com');
      expect((await verify(t, verifyToken)).status).toBe(200);
      expect((await resetPassword(t, resetToken)).body.detail).toBe('RESET_PASSWORD_BAD_TOKEN');
    });

    it('deactivation voids every reset, setup and verify link', async () => {
      const admin = await createUser(t.ctx, { email: 'boss@example.com', isSuperuser: true, emailVerifiedAt: PROVEN });
      const user = await createUser(t.ctx, { email: 'leaver@example.com' });
      const adminSession = await loginBearer(t.app, admin.email);
      await requestVerify(t, 'leaver@example.com');
      const resetToken = await freshResetLink(t, smtp, 'leaver@example.com');
      const verifyToken = lastLinkTo(smtp, 'leaver@example.com');
      const off = await api(t).patch(`/api/v1/users/${user.id}`).set(bearer(adminSession)).send({ is_active: false });
      expect(off.status).toBe(200);
      expect(await t.ctx.db.prisma.passwordToken.count({ where: { userId: user.id, usedAt: null } })).toBe(0);
      // Reactivated later: the old links stay dead.
      await api(t).patch(`/api/v1/users/${user.id}`).set(bearer(adminSession)).send({ is_active: true });
      expect((await resetPassword(t, resetToken)).body.detail).toBe('RESET_PASSWORD_BAD_TOKEN');
      expect((await verify(t, verifyToken)).body.detail).toBe('EMAIL_VERIFY_BAD_TOKEN');
    });

    it('a reset or setup link never reactivates or signs in a deactivated account', async () => {
      const user = await createUser(t.ctx, { email: 'dormant@example.com' });
      const setupUser = await createUser(t.ctx, { email: 'dormant-setup@example.com', password: null });
      const tokens = t.services.tokens;
      const reset = new URL((await tokens.issue(user.id, 'reset', 3600, user.email)).url).searchParams.get('token')!;
      const setup = new URL((await tokens.issue(setupUser.id, 'setup', 3600, setupUser.email)).url).searchParams.get('token')!;
      // Deactivated behind the service's back (e.g. directly in the database): the link must still not work.
      await t.ctx.db.prisma.user.updateMany({ where: { id: { in: [user.id, setupUser.id] } }, data: { isActive: false } });
      for (const token of [reset, setup]) {
        const res = await resetPassword(t, token);
        expect(res.status).toBe(400);
        expect(res.body.detail).toBe('RESET_PASSWORD_BAD_TOKEN');
        expect(res.headers['set-cookie']).toBeUndefined();
      }
      const after = await t.ctx.db.prisma.user.findMany({ where: { id: { in: [user.id, setupUser.id] } } });
      expect(after.map((u) => u.isActive)).toEqual([false, false]);
      expect(after.find((u) => u.id === setupUser.id)!.hashedPassword).toBeNull();
      expect(await t.ctx.passwordHasher.verify(STRONG_PASSWORD, after.find((u) => u.id === user.id)!.hashedPassword!)).toBe(true);
    });
  });
});

describe('without SMTP', () => {
  let t: TestContext;
  beforeAll(async () => {
    t = await contextWith(null);
  });
  afterAll(async () => {
    await t.close();
  });

  it('request-verify-token still answers 202 and logs that no mail could be sent', async () => {
    await createUser(t.ctx, { email: 'nomail@example.com' });
    const res = await requestVerify(t, 'nomail@example.com');
    expect(res.status).toBe(202);
    expect(res.body.message).toMatch(/If an account with that email exists/);
    await t.ctx.tasks.idle();
    expect(t.logText()).toMatch(/no mail could be sent/);
  });

  it('a self-service change applies at once, unproven, and voids every reset and setup link', async () => {
    const user = await createUser(t.ctx, { email: 'direct@example.com', emailVerifiedAt: PROVEN });
    const tokens = t.services.tokens;
    const reset = new URL((await tokens.issue(user.id, 'reset', 3600, user.email)).url).searchParams.get('token')!;
    const session = await loginBearer(t.app, 'direct@example.com');
    const changed = await api(t)
      .patch('/api/v1/users/me')
      .set(bearer(session))
      .send({ email: 'direct2@example.com', current_password: STRONG_PASSWORD });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ email: 'direct2@example.com', email_verified_at: null, pending_email: null });
    expect((await resetPassword(t, reset)).body.detail).toBe('RESET_PASSWORD_BAD_TOKEN');
    expect(await t.ctx.db.prisma.passwordToken.count({ where: { userId: user.id, usedAt: null } })).toBe(0);
  });

  it('an address set by an administrator is proven; self-registration is not', async () => {
    const admin = await createUser(t.ctx, { email: 'root@example.com', isSuperuser: true, emailVerifiedAt: PROVEN });
    const adminSession = await loginBearer(t.app, admin.email);
    const created = await api(t).post('/api/v1/users').set(bearer(adminSession)).send({ email: 'made@example.com' });
    expect(created.status).toBe(201);
    expect(created.body.user.email_verified_at).not.toBeNull();
    const registered = await api(t).post('/api/v1/auth/register').send({ email: 'self@example.com', password: STRONG_PASSWORD });
    expect(registered.body.email_verified_at).toBeNull();

    // An unproven account whose address an admin changes: proven, and its old links die.
    const tokens = t.services.tokens;
    const reset = new URL((await tokens.issue(registered.body.id, 'reset', 3600, 'self@example.com')).url).searchParams.get('token')!;
    const moved = await api(t).patch(`/api/v1/users/${registered.body.id}`).set(bearer(adminSession)).send({ email: 'self2@example.com' });
    expect(moved.status).toBe(200);
    expect(moved.body.email).toBe('self2@example.com');
    expect(Date.parse(moved.body.email_verified_at)).toBe(t.clock.now().getTime());
    expect((await resetPassword(t, reset)).body.detail).toBe('RESET_PASSWORD_BAD_TOKEN');

    // An admin setting the same address proves it without voiding anything.
    const other = await api(t).post('/api/v1/auth/register').send({ email: 'same@example.com', password: STRONG_PASSWORD });
    const same = await api(t).patch(`/api/v1/users/${other.body.id}`).set(bearer(adminSession)).send({ email: 'same@example.com' });
    expect(same.body.email_verified_at).not.toBeNull();
  });

  it('a non-admin cannot prove their own address through the admin route', async () => {
    const user = await createUser(t.ctx, { email: 'sneaky@example.com' });
    const session = await loginBearer(t.app, 'sneaky@example.com');
    const res = await api(t).patch(`/api/v1/users/${user.id}`).set(bearer(session)).send({ email: 'sneaky@example.com' });
    expect(res.status).toBe(403);
    expect((await userRow(t, 'sneaky@example.com'))!.emailVerifiedAt).toBeNull();
  });
});
