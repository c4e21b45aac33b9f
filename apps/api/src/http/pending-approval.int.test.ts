// Approval enforced by the server: an account awaiting approval (is_verified false) may call only
// the routes marked allowPending in the shared ROUTES table; every other signed-in route answers
// 403 ACCOUNT_PENDING_APPROVAL, whatever its handler does (http/mount-route.ts).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import type { User } from '../users/repo.js';
import { createTestContext, type TestContext } from '../test-support/test-context.js';
import { createUser, csrfHeaders, loginCookie } from '../test-support/fixtures.js';
import { SIGNED_IN_ROUTES, callRoute } from '../test-support/route-table.js';
import { API_PREFIX, type RouteSpec } from '@gatehouse/shared';

describe('an account awaiting approval', () => {
  let t: TestContext;
  let pending: User;
  let approved: User;

  beforeAll(async () => {
    t = await createTestContext({ config: { auth: { registration_enabled: true } } });
    pending = await createUser(t.ctx, { email: 'pending@example.com', isVerified: false });
    approved = await createUser(t.ctx, { email: 'approved@example.com', isVerified: true });
    await createUser(t.ctx, { email: 'root@example.com', isSuperuser: true });
  });
  afterAll(() => t.close());

  /** A fresh bearer session each time: the logout routes end the one they are called with. */
  const bearerFor = async (user: User) =>
    (await t.services.auth.issueSession(user, 'bearer', 'password', { userAgent: null, ipAddress: null })).token;

  const call = (spec: RouteSpec, token: string) => callRoute(t.app, spec, token);

  it('covers the signed-in routes of the table, among them the ones it may call', () => {
    expect(SIGNED_IN_ROUTES.length).toBeGreaterThan(15);
    const allowed = SIGNED_IN_ROUTES.filter(([, spec]) => spec.allowPending).map(([name]) => name);
    expect(allowed).toEqual(expect.arrayContaining(['getMe', 'cookieLogout', 'jwtLogout']));
    // Nothing an administrator does is open to it.
    expect(SIGNED_IN_ROUTES.filter(([, spec]) => spec.auth === 'admin' && spec.allowPending)).toEqual([]);
  });

  for (const [name, spec] of SIGNED_IN_ROUTES) {
    if (spec.allowPending) {
      it(`may call ${name} (${spec.method.toUpperCase()} ${spec.path})`, async () => {
        const res = await call(spec, await bearerFor(pending));
        expect(res.body?.detail).not.toBe('ACCOUNT_PENDING_APPROVAL');
        expect(res.status).not.toBe(401);
        // The three every account has: each succeeds outright.
        if (name === 'getMe' || name === 'jwtLogout' || name === 'cookieLogout') expect(res.status).toBeLessThan(300);
      });
    } else {
      it(`is refused ${name} (${spec.method.toUpperCase()} ${spec.path}) with 403 ACCOUNT_PENDING_APPROVAL, where an approved account is not`, async () => {
        const res = await call(spec, await bearerFor(pending));
        expect({ name, status: res.status, detail: res.body.detail }).toEqual({ name, status: 403, detail: 'ACCOUNT_PENDING_APPROVAL' });
        // The refusal is about the pending state: the same call by an approved account gets past it.
        const control = await call(spec, await bearerFor(approved));
        expect(control.body?.detail).not.toBe('ACCOUNT_PENDING_APPROVAL');
        expect(control.status).not.toBe(401);
      });
    }
  }

  it('is refused the same way with its cookie session, and reads /users/me and signs out with it', async () => {
    const session = await loginCookie(t.app, 'pending@example.com');
    const me = await request(t.app).get('/api/v1/users/me').set('Cookie', session.cookie);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ email: 'pending@example.com', is_verified: false });
    const patch = await request(t.app).patch('/api/v1/users/me').set(csrfHeaders(session)).send({ display_name: 'Sneaky' });
    expect(patch.status).toBe(403);
    expect(patch.body.detail).toBe('ACCOUNT_PENDING_APPROVAL');
    expect((await t.ctx.db.prisma.user.findUniqueOrThrow({ where: { id: pending.id } })).displayName).toBeNull();
    const sessions = await request(t.app).get('/api/v1/users/me/sessions').set('Cookie', session.cookie);
    expect(sessions.status).toBe(403);
    const logout = await request(t.app).post('/api/v1/auth/cookie/logout').set(csrfHeaders(session));
    expect(logout.status).toBe(204);
    expect((await request(t.app).get('/api/v1/users/me').set('Cookie', session.cookie)).status).toBe(401);
  });

  it('gets through once an administrator approves it, without signing in again', async () => {
    const user = await createUser(t.ctx, { email: 'later@example.com', isVerified: false });
    const token = await bearerFor(user);
    expect((await request(t.app).get('/api/v1/users/me/sessions').set('Authorization', `Bearer ${token}`)).status).toBe(403);
    await t.ctx.db.prisma.user.update({ where: { id: user.id }, data: { isVerified: true } });
    t.services.auth.forgetCachedSessions();
    t.clock.advance(10_000);
    expect((await request(t.app).get('/api/v1/users/me/sessions').set('Authorization', `Bearer ${token}`)).status).toBe(200);
  });

  it('is listed in the OpenAPI document for every signed-in route but the allowed ones', async () => {
    const res = await request(t.app).get(`${API_PREFIX}/openapi.json`);
    expect(res.status).toBe(200);
    const paths = res.body.paths as Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>>;
    const operations = Object.values(paths).flatMap((methods) => Object.values(methods));
    for (const [name, spec] of SIGNED_IN_ROUTES) {
      const operation = operations.find((op) => op.operationId === name)!;
      const text = JSON.stringify(operation.responses['403'] ?? {});
      expect({ name, listed: text.includes('ACCOUNT_PENDING_APPROVAL') }).toEqual({ name, listed: !spec.allowPending });
    }
  });
});
