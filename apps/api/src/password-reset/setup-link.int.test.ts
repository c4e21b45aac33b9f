import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { createTestContext, type TestContext } from '../test-support/test-context.js';
import { STRONG_PASSWORD, createUser, loginBearer } from '../test-support/fixtures.js';
import { hashPasswordToken } from './service.js';

const tokenOf = (url: string) => new URL(url).searchParams.get('token')!;

describe('one-time password links (POST /auth/reset-password)', () => {
  let t: TestContext;
  beforeAll(async () => {
    t = await createTestContext();
  });
  afterAll(() => t.close());

  const reset = (token: string, password = 'a fresh passphrase') => request(t.app).post('/api/v1/auth/reset-password').send({ token, password });

  it('stores only a hash of a 256-bit token and builds the link from frontend_url', async () => {
    const user = await createUser(t.ctx, { email: 'h1@example.com', password: null });
    const { url } = await t.services.tokens.issue(user.id, 'setup', 3600);
    expect(url.startsWith('http://gatehouse.test/reset-password?token=')).toBe(true);
    const token = tokenOf(url);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    const rows = await t.ctx.db.prisma.passwordToken.findMany({ where: { userId: user.id } });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.tokenHash).toBe(hashPasswordToken(token));
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  it('works once, ends every session, does not sign in; the second use fails and changes nothing', async () => {
    await createUser(t.ctx, { email: 'h2@example.com' });
    const session = await loginBearer(t.app, 'h2@example.com');
    const user = (await t.ctx.db.prisma.user.findUnique({ where: { email: 'h2@example.com' } }))!;
    const { url } = await t.services.tokens.issue(user.id, 'reset', 3600);
    const first = await reset(tokenOf(url));
    expect(first.status).toBe(204);
    expect(first.headers['set-cookie']).toBeUndefined();
    expect((await request(t.app).get('/api/v1/users/me').set('Authorization', `Bearer ${session}`)).status).toBe(401);
    const hashAfterFirst = (await t.ctx.db.prisma.user.findUnique({ where: { id: user.id } }))!.hashedPassword;
    const second = await reset(tokenOf(url), 'yet another passphrase');
    expect(second.status).toBe(400);
    expect(second.body.detail).toBe('RESET_PASSWORD_BAD_TOKEN');
    expect((await t.ctx.db.prisma.user.findUnique({ where: { id: user.id } }))!.hashedPassword).toBe(hashAfterFirst);
    await expect(loginBearer(t.app, 'h2@example.com', 'a fresh passphrase')).resolves.toEqual(expect.any(String));
  });

  it('expires', async () => {
    const user = await createUser(t.ctx, { email: 'h3@example.com', password: null });
    const { url } = await t.services.tokens.issue(user.id, 'setup', 60);
    t.clock.advance(61_000);
    const res = await reset(tokenOf(url));
    expect(res.status).toBe(400);
    expect(res.body.detail).toBe('RESET_PASSWORD_BAD_TOKEN');
  });

  it('a newer link kills the older one', async () => {
    const user = await createUser(t.ctx, { email: 'h4@example.com', password: null });
    const service = t.services.tokens;
    const older = await service.issue(user.id, 'setup', 3600);
    const newer = await service.issue(user.id, 'setup', 3600);
    expect((await reset(tokenOf(older.url))).status).toBe(400);
    expect((await reset(tokenOf(newer.url))).status).toBe(204);
  });

  it('a password change voids outstanding links', async () => {
    const user = await createUser(t.ctx, { email: 'h5@example.com' });
    const { url } = await t.services.tokens.issue(user.id, 'reset', 3600);
    const token = await loginBearer(t.app, 'h5@example.com');
    const change = await request(t.app)
      .patch('/api/v1/users/me')
      .set('Authorization', `Bearer ${token}`)
      .send({ password: 'changed by the owner', current_password: STRONG_PASSWORD });
    expect(change.status).toBe(200);
    expect((await reset(tokenOf(url))).status).toBe(400);
  });

  it('applies the password policy and keeps the token usable after a refused password', async () => {
    const user = await createUser(t.ctx, { email: 'h6@example.com', password: null });
    const { url } = await t.services.tokens.issue(user.id, 'setup', 3600);
    const weak = await reset(tokenOf(url), 'password');
    expect(weak.status).toBe(400);
    expect(weak.body.detail).toBe('RESET_PASSWORD_INVALID_PASSWORD');
    expect((await reset(tokenOf(url))).status).toBe(204);
  });

  it('refuses unknown and malformed tokens', async () => {
    for (const token of ['nope', 'A'.repeat(43), '../../etc/passwd', '\u0000']) {
      const res = await reset(token);
      expect(res.status).toBe(400);
      expect(res.body.detail).toBe('RESET_PASSWORD_BAD_TOKEN');
    }
    const tooLong = await reset('x'.repeat(500));
    expect(tooLong.status).toBe(422);
  });

  it('lets only one of two simultaneous uses of a token win', async () => {
    const user = await createUser(t.ctx, { email: 'h7@example.com', password: null });
    const { url } = await t.services.tokens.issue(user.id, 'setup', 3600);
    const [a, b] = await Promise.all([reset(tokenOf(url), 'first passphrase!'), reset(tokenOf(url), 'second passphrase!')]);
    expect([a.status, b.status].sort()).toEqual([204, 400]);
  });
});
