import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { createTestContext, type TestContext } from '../test-support/test-context.js';
import { STRONG_PASSWORD, createUser, csrfHeaders, loginBearer, loginCookie } from '../test-support/fixtures.js';

const NEW_PASSWORD = 'a brand new passphrase';

describe('users API', () => {
  let t: TestContext;
  let adminToken: string;
  let adminId: string;

  beforeAll(async () => {
    t = await createTestContext();
    const admin = await createUser(t.ctx, { email: 'admin@example.com', isSuperuser: true });
    adminId = admin.id;
    adminToken = await loginBearer(t.app, 'admin@example.com');
  });
  afterAll(() => t.close());

  const asAdmin = (req: request.Test) => req.set('Authorization', `Bearer ${adminToken}`);

  describe('/users/me', () => {
    it('needs a session', async () => {
      const res = await request(t.app).get('/api/v1/users/me');
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
    });

    it('brakes guesses of the current password like sign-ins: 40 at once, at most the limit judged', async () => {
      await createUser(t.ctx, { email: 'guessed@example.com' });
      const token = await loginBearer(t.app, 'guessed@example.com');
      let comparisons = 0;
      const verify = t.ctx.passwordHasher.verify.bind(t.ctx.passwordHasher);
      t.ctx.passwordHasher.verify = (password, hash) => {
        comparisons += 1;
        return verify(password, hash);
      };
      try {
        const answers = await Promise.all(
          Array.from({ length: 40 }, (_, i) =>
            request(t.app)
              .patch('/api/v1/users/me')
              .set('Authorization', `Bearer ${token}`)
              .send({ password: NEW_PASSWORD, current_password: `wrong guess ${i}` }),
          ),
        );
        const limit = t.ctx.config.auth.rate_limits.login_failures_per_account;
        const judged = answers.filter((res) => res.body.detail === 'CURRENT_PASSWORD_INVALID');
        const braked = answers.filter((res) => res.status === 429);
        expect(judged.length).toBeGreaterThan(0);
        expect(judged.length).toBeLessThanOrEqual(limit);
        expect(judged.length + braked.length).toBe(40);
        expect(comparisons).toBe(judged.length);
        for (const res of braked) expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
        // The right password is refused too while the account is braked: the guesses bought nothing.
        const right = await request(t.app)
          .patch('/api/v1/users/me')
          .set('Authorization', `Bearer ${token}`)
          .send({ password: NEW_PASSWORD, current_password: STRONG_PASSWORD });
        expect(right.status).toBe(429);
      } finally {
        t.ctx.passwordHasher.verify = verify;
      }
    });

    it('changes display name without a password, but email only with the current one', async () => {
      await createUser(t.ctx, { email: 'carol@example.com' });
      const token = await loginBearer(t.app, 'carol@example.com');
      const auth = { Authorization: `Bearer ${token}` };
      const name = await request(t.app).patch('/api/v1/users/me').set(auth).send({ display_name: 'Carol' });
      expect(name.status).toBe(200);
      expect(name.body.display_name).toBe('Carol');

      const noCurrent = await request(t.app).patch('/api/v1/users/me').set(auth).send({ email: 'carol2@example.com' });
      expect(noCurrent.status).toBe(400);
      expect(noCurrent.body.detail).toBe('CURRENT_PASSWORD_REQUIRED');
      const wrongCurrent = await request(t.app)
        .patch('/api/v1/users/me')
        .set(auth)
        .send({ email: 'carol2@example.com', current_password: 'not my password' });
      expect(wrongCurrent.body.detail).toBe('CURRENT_PASSWORD_INVALID');
      const taken = await request(t.app).patch('/api/v1/users/me').set(auth).send({ email: 'ADMIN@example.com', current_password: STRONG_PASSWORD });
      expect(taken.status).toBe(400);
      expect(taken.body.detail).toBe('UPDATE_USER_EMAIL_ALREADY_EXISTS');
      const ok = await request(t.app).patch('/api/v1/users/me').set(auth).send({ email: ' Carol2@Example.COM', current_password: STRONG_PASSWORD });
      expect(ok.status).toBe(200);
      expect(ok.body.email).toBe('carol2@example.com');
    });

    it('a password change ends every other session but keeps this one', async () => {
      await createUser(t.ctx, { email: 'dave@example.com' });
      const other = await loginBearer(t.app, 'dave@example.com');
      const browser = await loginCookie(t.app, 'dave@example.com');
      const current = await loginBearer(t.app, 'dave@example.com');
      const res = await request(t.app)
        .patch('/api/v1/users/me')
        .set('Authorization', `Bearer ${current}`)
        .send({ password: NEW_PASSWORD, current_password: STRONG_PASSWORD });
      expect(res.status).toBe(200);
      expect((await request(t.app).get('/api/v1/users/me').set('Authorization', `Bearer ${other}`)).status).toBe(401);
      expect((await request(t.app).get('/api/v1/users/me').set('Cookie', browser.cookie)).status).toBe(401);
      expect((await request(t.app).get('/api/v1/users/me').set('Authorization', `Bearer ${current}`)).status).toBe(200);
      await expect(loginBearer(t.app, 'dave@example.com', STRONG_PASSWORD)).rejects.toThrow();
      await expect(loginBearer(t.app, 'dave@example.com', NEW_PASSWORD)).resolves.toEqual(expect.any(String));
    });

    it('applies the password policy to a new password', async () => {
      await createUser(t.ctx, { email: 'erin@example.com' });
      const token = await loginBearer(t.app, 'erin@example.com');
      const res = await request(t.app)
        .patch('/api/v1/users/me')
        .set('Authorization', `Bearer ${token}`)
        .send({ password: 'password1', current_password: STRONG_PASSWORD });
      expect(res.status).toBe(400);
      expect(res.body.detail).toBe('UPDATE_USER_INVALID_PASSWORD');
    });

    it('lists own sessions, marks the current one, and revokes another', async () => {
      await createUser(t.ctx, { email: 'frank@example.com' });
      const first = await loginBearer(t.app, 'frank@example.com');
      const browser = await loginCookie(t.app, 'frank@example.com');
      const list = await request(t.app).get('/api/v1/users/me/sessions').set('Cookie', browser.cookie);
      expect(list.status).toBe(200);
      expect(list.body).toHaveLength(2);
      const current = list.body.filter((s: { is_current: boolean }) => s.is_current);
      expect(current).toHaveLength(1);
      expect(current[0].transport).toBe('cookie');
      const bearer = list.body.find((s: { is_current: boolean }) => !s.is_current);
      const revoke = await request(t.app).delete(`/api/v1/users/me/sessions/${bearer.id}`).set(csrfHeaders(browser));
      expect(revoke.status).toBe(204);
      expect((await request(t.app).get('/api/v1/users/me').set('Authorization', `Bearer ${first}`)).status).toBe(401);
      const again = await request(t.app).delete(`/api/v1/users/me/sessions/${bearer.id}`).set(csrfHeaders(browser));
      expect(again.status).toBe(404);
      expect(again.body.detail).toBe('SESSION_NOT_FOUND');
    });

    it("cannot revoke someone else's session", async () => {
      await createUser(t.ctx, { email: 'gina@example.com' });
      const victim = await loginBearer(t.app, 'gina@example.com');
      const victimSessions = await request(t.app).get('/api/v1/users/me/sessions').set('Authorization', `Bearer ${victim}`);
      const res = await asAdmin(request(t.app).delete(`/api/v1/users/me/sessions/${victimSessions.body[0].id}`));
      expect(res.status).toBe(404);
      expect((await request(t.app).get('/api/v1/users/me').set('Authorization', `Bearer ${victim}`)).status).toBe(200);
    });
  });

  describe('admin', () => {
    it('refuses non-admins', async () => {
      await createUser(t.ctx, { email: 'henry@example.com' });
      const token = await loginBearer(t.app, 'henry@example.com');
      for (const [method, path] of [
        ['get', '/api/v1/users/all'],
        ['get', `/api/v1/users/${adminId}`],
        ['patch', `/api/v1/users/${adminId}`],
        ['delete', `/api/v1/users/${adminId}`],
      ] as const) {
        const res = await request(t.app)[method](path).set('Authorization', `Bearer ${token}`).send({ is_active: false });
        expect(res.status).toBe(403);
        expect(res.body.detail).toBe('FORBIDDEN');
      }
      const create = await request(t.app).post('/api/v1/users').set('Authorization', `Bearer ${token}`).send({ email: 'x@example.com' });
      expect(create.status).toBe(403);
      expect((await request(t.app).get('/api/v1/users/all')).status).toBe(401);
    });

    it('creates, lists, gets, verifies, promotes, deactivates and deletes users', async () => {
      const created = await asAdmin(request(t.app).post('/api/v1/users')).send({
        email: 'Ivy@Example.com',
        password: STRONG_PASSWORD,
        is_verified: false,
      });
      expect(created.status).toBe(201);
      expect(created.body.setup_url).toBeNull();
      const ivy = created.body.user;
      expect(ivy).toMatchObject({ email: 'ivy@example.com', is_verified: false, is_superuser: false, has_password: true });

      const dupe = await asAdmin(request(t.app).post('/api/v1/users')).send({ email: 'ivy@EXAMPLE.com' });
      expect(dupe.status).toBe(400);
      expect(dupe.body.detail).toBe('REGISTER_USER_ALREADY_EXISTS');

      const all = await asAdmin(request(t.app).get('/api/v1/users/all'));
      expect(all.body.map((u: { email: string }) => u.email)).toContain('ivy@example.com');
      expect((await asAdmin(request(t.app).get(`/api/v1/users/${ivy.id}`))).body.email).toBe('ivy@example.com');

      const ivyToken = await loginBearer(t.app, 'ivy@example.com');
      const verified = await asAdmin(request(t.app).patch(`/api/v1/users/${ivy.id}`)).send({ is_verified: true, is_superuser: true });
      expect(verified.status).toBe(200);
      expect(verified.body).toMatchObject({ is_verified: true, is_superuser: true });

      const deactivated = await asAdmin(request(t.app).patch(`/api/v1/users/${ivy.id}`)).send({ is_active: false });
      expect(deactivated.status).toBe(200);
      // Deactivation ends the user's sessions and blocks sign-in.
      expect((await request(t.app).get('/api/v1/users/me').set('Authorization', `Bearer ${ivyToken}`)).status).toBe(401);
      await expect(loginBearer(t.app, 'ivy@example.com')).rejects.toThrow(/400/);

      const deleted = await asAdmin(request(t.app).delete(`/api/v1/users/${ivy.id}`));
      expect(deleted.status).toBe(204);
      const gone = await asAdmin(request(t.app).get(`/api/v1/users/${ivy.id}`));
      expect(gone.status).toBe(404);
      expect(gone.body.detail).toBe('USER_NOT_FOUND');
    });

    it('creates a user without a password and returns a one-time setup link', async () => {
      const created = await asAdmin(request(t.app).post('/api/v1/users')).send({ email: 'jack@example.com' });
      expect(created.status).toBe(201);
      expect(created.body.user.has_password).toBe(false);
      const url = new URL(created.body.setup_url);
      expect(url.origin).toBe('http://gatehouse.test');
      expect(url.pathname).toBe('/reset-password');
      const token = url.searchParams.get('token')!;
      const set = await request(t.app).post('/api/v1/auth/reset-password').send({ token, password: STRONG_PASSWORD });
      expect(set.status).toBe(204);
      await expect(loginBearer(t.app, 'jack@example.com')).resolves.toEqual(expect.any(String));
    });

    it('an admin password reset ends the user’s sessions', async () => {
      const kim = await createUser(t.ctx, { email: 'kim@example.com' });
      const token = await loginBearer(t.app, 'kim@example.com');
      const res = await asAdmin(request(t.app).patch(`/api/v1/users/${kim.id}`)).send({ password: NEW_PASSWORD });
      expect(res.status).toBe(200);
      expect((await request(t.app).get('/api/v1/users/me').set('Authorization', `Bearer ${token}`)).status).toBe(401);
      await expect(loginBearer(t.app, 'kim@example.com', NEW_PASSWORD)).resolves.toEqual(expect.any(String));
    });

    it('an admin cannot demote, deactivate or delete themselves', async () => {
      for (const body of [{ is_superuser: false }, { is_active: false }]) {
        const res = await asAdmin(request(t.app).patch(`/api/v1/users/${adminId}`)).send(body);
        expect(res.status).toBe(409);
        expect(res.body.detail).toBe('CANNOT_MODIFY_SELF');
      }
      const del = await asAdmin(request(t.app).delete(`/api/v1/users/${adminId}`));
      expect(del.status).toBe(409);
      expect(del.body.detail).toBe('CANNOT_MODIFY_SELF');
      const me = await asAdmin(request(t.app).get('/api/v1/users/me'));
      expect(me.body.is_superuser).toBe(true);
    });

    it('nobody can remove the last active admin', async () => {
      const solo = await createTestContext();
      try {
        const boss = await createUser(solo.ctx, { email: 'boss@example.com', isSuperuser: true });
        const deputy = await createUser(solo.ctx, { email: 'deputy@example.com', isSuperuser: true });
        const deputyToken = await loginBearer(solo.app, 'deputy@example.com');
        const bossToken = await loginBearer(solo.app, 'boss@example.com');
        // Deputy demotes boss: allowed, deputy is still an admin.
        const demote = await request(solo.app)
          .patch(`/api/v1/users/${boss.id}`)
          .set('Authorization', `Bearer ${deputyToken}`)
          .send({ is_superuser: false });
        expect(demote.status).toBe(200);
        // Re-promote, then both try to demote each other at the same moment: one must lose.
        await request(solo.app).patch(`/api/v1/users/${boss.id}`).set('Authorization', `Bearer ${deputyToken}`).send({ is_superuser: true });
        const [a, b] = await Promise.all([
          request(solo.app).patch(`/api/v1/users/${boss.id}`).set('Authorization', `Bearer ${deputyToken}`).send({ is_superuser: false }),
          request(solo.app).patch(`/api/v1/users/${deputy.id}`).set('Authorization', `Bearer ${bossToken}`).send({ is_superuser: false }),
        ]);
        const statuses = [a.status, b.status].sort();
        // Either one demotion wins and the other is refused as LAST_ADMIN, or the loser was
        // already demoted and is refused as FORBIDDEN; never both succeed.
        expect(statuses.filter((s) => s === 200)).toHaveLength(1);
        expect(await solo.ctx.db.prisma.user.count({ where: { isSuperuser: true, isActive: true } })).toBe(1);
      } finally {
        await solo.close();
      }
    });
  });
});
