import { afterEach, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { createTestContext, type TestContext } from '../test-support/test-context.js';
import { STRONG_PASSWORD, createUser, loginBearer } from '../test-support/fixtures.js';

const contexts: TestContext[] = [];
afterEach(async () => {
  while (contexts.length) await contexts.pop()!.close();
});

async function contextWithAdmins(adminEmails: string[]): Promise<TestContext> {
  const t = await createTestContext({ config: { auth: { admin_emails: adminEmails } } });
  contexts.push(t);
  return t;
}

const setupLinks = (t: TestContext) =>
  t
    .logLines()
    .filter((line) => typeof line.setup_url === 'string')
    .map((line) => ({ email: line.email as string, url: line.setup_url as string }));

describe('admin_emails at start-up', () => {
  it('creates each listed admin without a password and logs a one-time setup link that works', async () => {
    const t = await contextWithAdmins(['admin@example.com', 'second@example.com']);
    await t.services.ensureAdminAccounts();
    const admins = await t.ctx.db.prisma.user.findMany({ orderBy: { email: 'asc' } });
    // Created from the administrator's own configuration: approved and with a proven address.
    expect(admins.map((u) => [u.email, u.isSuperuser, u.isVerified, u.hashedPassword, u.emailVerifiedAt !== null])).toEqual([
      ['admin@example.com', true, true, null, true],
      ['second@example.com', true, true, null, true],
    ]);
    const links = setupLinks(t);
    expect(links.map((l) => l.email).sort()).toEqual(['admin@example.com', 'second@example.com']);
    const link = new URL(links.find((l) => l.email === 'admin@example.com')!.url);
    expect(link.origin + link.pathname).toBe('http://gatehouse.test/reset-password');
    // Valid 24 hours by default.
    const token = await t.ctx.db.prisma.passwordToken.findFirst({ where: { user: { email: 'admin@example.com' } } });
    expect(token!.expiresAt.getTime() - token!.createdAt.getTime()).toBe(86_400_000);

    const set = await request(t.app)
      .post('/api/v1/auth/reset-password')
      .send({ token: link.searchParams.get('token'), password: STRONG_PASSWORD });
    expect(set.status).toBe(204);
    const bearer = await loginBearer(t.app, 'admin@example.com');
    const me = await request(t.app).get('/api/v1/users/me').set('Authorization', `Bearer ${bearer}`);
    expect(me.body).toMatchObject({ email: 'admin@example.com', is_superuser: true });

    // Next start: nothing new is created, and the admin who chose a password gets no new link.
    const before = setupLinks(t).length;
    await t.services.ensureAdminAccounts();
    expect(await t.ctx.db.prisma.user.count()).toBe(2);
    const after = setupLinks(t).slice(before);
    expect(after.map((l) => l.email)).toEqual(['second@example.com']);
  });

  it('a fresh link at the next start replaces the unused one', async () => {
    const t = await contextWithAdmins(['admin@example.com']);
    await t.services.ensureAdminAccounts();
    await t.services.ensureAdminAccounts();
    const [first, second] = setupLinks(t);
    const tokenOf = (url: string) => new URL(url).searchParams.get('token');
    const old = await request(t.app)
      .post('/api/v1/auth/reset-password')
      .send({ token: tokenOf(first!.url), password: STRONG_PASSWORD });
    expect(old.status).toBe(400);
    const fresh = await request(t.app)
      .post('/api/v1/auth/reset-password')
      .send({ token: tokenOf(second!.url), password: STRONG_PASSWORD });
    expect(fresh.status).toBe(204);
  });

  it('promotes an existing approved account with a proven address added later, but not an unapproved or unproven one', async () => {
    const t = await contextWithAdmins(['Verified@Example.com', 'unverified@example.com', 'unproven@example.com']);
    const proven = new Date('2026-01-01T00:00:00Z');
    await createUser(t.ctx, { email: 'verified@example.com', isVerified: true, emailVerifiedAt: proven });
    await createUser(t.ctx, { email: 'unverified@example.com', isVerified: false, emailVerifiedAt: proven });
    // Approved, but the address was never proven (e.g. an ordinary user changed their email to
    // the admin's address without SMTP): admin_emails must not grant it anything.
    await createUser(t.ctx, { email: 'unproven@example.com', isVerified: true, emailVerifiedAt: null });
    await t.services.ensureAdminAccounts();
    const byEmail = async (email: string) => (await t.ctx.db.prisma.user.findUnique({ where: { email } }))!;
    expect((await byEmail('verified@example.com')).isSuperuser).toBe(true);
    expect((await byEmail('unverified@example.com')).isSuperuser).toBe(false);
    expect((await byEmail('unproven@example.com')).isSuperuser).toBe(false);
    expect(t.logText()).toMatch(/unverified self-registered account; it was NOT made admin/);
    expect(t.logText()).toMatch(/whose email address is not proven; it was NOT made admin/);
    // They have passwords, so no setup links.
    expect(setupLinks(t)).toEqual([]);
  });

  it('never writes a password or the token secret to the log', async () => {
    const t = await contextWithAdmins(['admin@example.com']);
    await t.services.ensureAdminAccounts();
    expect(t.logText()).not.toContain(t.ctx.config.auth.token_secret);
    expect(t.logText()).not.toMatch(/"password"\s*:/);
  });
});
