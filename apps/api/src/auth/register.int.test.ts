import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { createTestContext, type TestContext } from '../test-support/test-context.js';
import { STRONG_PASSWORD, loginBearer } from '../test-support/fixtures.js';

describe('registration', () => {
  let t: TestContext;
  beforeAll(async () => {
    t = await createTestContext({ config: { auth: { registration_enabled: true, admin_emails: ['boss@example.com'] } } });
  });
  afterAll(() => t.close());

  const register = (body: object) => request(t.app).post('/api/v1/auth/register').send(body);

  it('is refused with 403 when registration is disabled (the default)', async () => {
    const closed = await createTestContext({ config: { auth: { registration_enabled: false } } });
    try {
      const res = await request(closed.app).post('/api/v1/auth/register').send({ email: 'a@example.com', password: STRONG_PASSWORD });
      expect(res.status).toBe(403);
      expect(res.body.detail).toBe('REGISTRATION_DISABLED');
      expect(await closed.ctx.db.prisma.user.count()).toBe(0);
      const metadata = await request(closed.app).get('/api/v1/auth/metadata');
      expect(metadata.body.registration_enabled).toBe(false);
    } finally {
      await closed.close();
    }
  });

  it('creates an unverified, non-admin account that can sign in', async () => {
    const res = await register({ email: 'New@Example.com', password: STRONG_PASSWORD, display_name: 'New' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      email: 'new@example.com',
      is_verified: false,
      is_superuser: false,
      is_active: true,
      display_name: 'New',
    });
    const token = await loginBearer(t.app, 'new@example.com');
    const me = await request(t.app).get('/api/v1/users/me').set('Authorization', `Bearer ${token}`);
    expect(me.body.is_verified).toBe(false);
  });

  it('never grants admin, even for an email in admin_emails', async () => {
    const res = await register({ email: 'boss@example.com', password: STRONG_PASSWORD });
    expect(res.status).toBe(201);
    expect(res.body.is_superuser).toBe(false);
    // fastapi-users' UserCreate flags are accepted and ignored (its "safe" registration).
    const flags = await register({ email: 'sneaky@example.com', password: STRONG_PASSWORD, is_superuser: true, is_verified: true, is_active: false });
    expect(flags.status).toBe(201);
    expect(flags.body).toMatchObject({ is_superuser: false, is_verified: false, is_active: true });
    const unknownField = await register({ email: 'sneakier@example.com', password: STRONG_PASSWORD, role: 'admin' });
    expect(unknownField.status).toBe(422);
    expect(unknownField.body.detail).toBe('VALIDATION_ERROR');
    expect(unknownField.body.message).toContain('role');
  });

  it('refuses a second account for the same email after normalisation', async () => {
    expect((await register({ email: 'dup@example.com', password: STRONG_PASSWORD })).status).toBe(201);
    const res = await register({ email: '  DUP@example.COM ', password: STRONG_PASSWORD });
    expect(res.status).toBe(400);
    expect(res.body.detail).toBe('REGISTER_USER_ALREADY_EXISTS');
    // NFC: "é" composed and decomposed are one address.
    expect((await register({ email: 'jos\u00e9@example.com', password: STRONG_PASSWORD })).status).toBe(201);
    expect((await register({ email: 'jose\u0301@example.com', password: STRONG_PASSWORD })).status).toBe(400);
  });

  it('leaves exactly one account when the same email registers concurrently', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, () => register({ email: 'race@example.com', password: STRONG_PASSWORD })));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 400)).toHaveLength(7);
    for (const r of results) expect(r.status).toBeLessThan(500);
    expect(await t.ctx.db.prisma.user.count({ where: { email: 'race@example.com' } })).toBe(1);
  });

  describe('password policy', () => {
    it('refuses fewer than 8 characters', async () => {
      const res = await register({ email: 'short@example.com', password: 'Ab1!xyz' });
      expect(res.status).toBe(400);
      expect(res.body.detail).toBe('REGISTER_INVALID_PASSWORD');
    });

    it('accepts exactly 72 bytes of UTF-8 and refuses 73 — never truncates', async () => {
      const seventyTwo = `${'é'.repeat(35)}xy`; // 35 × 2 bytes + 2 = 72 bytes
      expect(Buffer.byteLength(seventyTwo)).toBe(72);
      expect((await register({ email: 'b72@example.com', password: seventyTwo })).status).toBe(201);
      const seventyThree = `${seventyTwo}z`;
      const res = await register({ email: 'b73@example.com', password: seventyThree });
      expect(res.status).toBe(400);
      expect(res.body.detail).toBe('REGISTER_INVALID_PASSWORD');
      expect(res.body.message).toMatch(/72 bytes/);
      // 36 two-byte characters = 72 bytes: fine; 37 = 74 bytes: refused even though only 37 characters.
      expect((await register({ email: 'c37@example.com', password: 'é'.repeat(37) })).status).toBe(400);
      // The 72-byte password is checked in full: a variant differing only in its last byte fails.
      await expect(loginBearer(t.app, 'b72@example.com', seventyTwo)).resolves.toEqual(expect.any(String));
      await expect(loginBearer(t.app, 'b72@example.com', `${'é'.repeat(35)}xz`)).rejects.toThrow(/400/);
    });

    it('refuses the most common passwords and the email itself', async () => {
      for (const password of ['password123', 'qwertyuiop', 'iloveyou1', 'Password1']) {
        const res = await register({ email: `common-${password.length}@example.com`, password });
        expect(res.status).toBe(400);
        expect(res.body.message).toMatch(/too common/);
      }
      const own = await register({ email: 'myself@example.com', password: 'MYSELF@example.com' });
      expect(own.status).toBe(400);
    });
  });
});
