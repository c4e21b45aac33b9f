// The per-process session cache (auth.session_cache_seconds): what it may serve and for how long.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { createTestContext, type TestContext } from '../test-support/test-context.js';
import { createUser, loginBearer } from '../test-support/fixtures.js';

const me = (t: TestContext, token: string) => request(t.app).get('/api/v1/users/me').set('Authorization', `Bearer ${token}`);

/** What another replica or the CLI does: the row changes, this process is not told. */
const revokeBehindTheProcessBack = (t: TestContext) =>
  t.ctx.db.prisma.session.updateMany({ where: { revokedAt: null }, data: { revokedAt: t.clock.now() } });

describe('session cache on (5 s)', () => {
  let t: TestContext;
  beforeAll(async () => {
    t = await createTestContext({ config: { auth: { session_cache_seconds: 5 } } });
    await createUser(t.ctx, { email: 'cached@example.com' });
  });
  afterAll(() => t.close());

  it('applies a sign-out through this process to the very next request', async () => {
    const token = await loginBearer(t.app, 'cached@example.com');
    expect((await me(t, token)).status).toBe(200); // now cached
    expect((await request(t.app).post('/api/v1/auth/jwt/logout').set('Authorization', `Bearer ${token}`)).status).toBe(204);
    expect((await me(t, token)).status).toBe(401);
  });

  it('applies a revocation made elsewhere within session_cache_seconds, not later', async () => {
    const token = await loginBearer(t.app, 'cached@example.com');
    expect((await me(t, token)).status).toBe(200);
    await revokeBehindTheProcessBack(t);
    t.clock.advance(4_000);
    expect((await me(t, token)).status).toBe(200); // the window the README states
    t.clock.advance(1_000);
    expect((await me(t, token)).status).toBe(401);
  });

  it('answers for a session it checked a moment ago at once, without a promise (the hot path)', async () => {
    const auth = t.services.auth;
    const token = await loginBearer(t.app, 'cached@example.com');
    const first = auth.authenticate(token, 'bearer');
    expect(first).toBeInstanceOf(Promise);
    expect((await first)?.user.email).toBe('cached@example.com');
    const second = auth.authenticate(token, 'bearer');
    expect(second).not.toBeInstanceOf(Promise);
    expect(second && !(second instanceof Promise) ? second.user.email : null).toBe('cached@example.com');
    t.clock.advance(5_000);
    const third = auth.authenticate(token, 'bearer'); // past session_cache_seconds: the database again
    expect(third).toBeInstanceOf(Promise);
    expect((await third)?.user.email).toBe('cached@example.com');
  });

  it('applies a deactivation by an administrator at once', async () => {
    const admin = await createUser(t.ctx, { email: 'boss@example.com', isSuperuser: true });
    const user = await createUser(t.ctx, { email: 'leaving@example.com' });
    const token = await loginBearer(t.app, 'leaving@example.com');
    expect((await me(t, token)).status).toBe(200);
    const adminToken = await loginBearer(t.app, admin.email);
    const patch = await request(t.app).patch(`/api/v1/users/${user.id}`).set('Authorization', `Bearer ${adminToken}`).send({ is_active: false });
    expect(patch.status).toBe(200);
    expect((await me(t, token)).status).toBe(401);
  });
});

describe('session cache off (0)', () => {
  let t: TestContext;
  beforeAll(async () => {
    t = await createTestContext({ config: { auth: { session_cache_seconds: 0 } } });
    await createUser(t.ctx, { email: 'uncached@example.com' });
  });
  afterAll(() => t.close());

  it('asks the database on every request', async () => {
    const token = await loginBearer(t.app, 'uncached@example.com');
    expect((await me(t, token)).status).toBe(200);
    await revokeBehindTheProcessBack(t);
    expect((await me(t, token)).status).toBe(401);
  });
});
