/**
 * The brakes through HTTP: every route issue 9 names (password login, registration, forgot and
 * reset password, the OIDC callback) answers 429 with Retry-After once its counter says so;
 * delays grow, the limit locks, a success or an admin unlock lifts the account's lock.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import request from 'supertest';
import { apiPath } from '@gatehouse/shared';
import { createTestContext, type TestContext } from '../test-support/test-context.js';
import { STRONG_PASSWORD, createUser, loginBearer } from '../test-support/fixtures.js';

// Each file builds real, migrated databases; on a loaded 2-core machine that alone can take a while.
jest.setTimeout(180_000);

const LOGIN = apiPath('jwtLogin');

function expect429(res: request.Response): number {
  expect({ status: res.status, body: res.body as unknown }).toMatchObject({ status: 429, body: { detail: 'RATE_LIMITED' } });
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const retryAfter = Number(res.headers['retry-after']);
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThan(0);
  expect((res.body as { message: string }).message).toContain(`${retryAfter} seconds`);
  return retryAfter;
}

describe('password sign-in: growing delays, a temporary lock, reset by success or admin unlock', () => {
  let t: TestContext;
  let adminToken: string;
  let targetId: string;

  beforeAll(async () => {
    t = await createTestContext();
    await createUser(t.ctx, { email: 'admin@example.com', isSuperuser: true });
    targetId = (await createUser(t.ctx, { email: 'target@example.com' })).id;
    adminToken = await loginBearer(t.app, 'admin@example.com');
  });
  afterAll(() => t.close());

  const attempt = (username: string, password: string) => request(t.app).post(LOGIN).send({ username, password });

  /** Fails `count` times, waiting out each delay on the test clock; returns the delays seen. */
  async function failRepeatedly(email: string, count: number): Promise<number[]> {
    const delays: number[] = [];
    for (let i = 0; i < count; i += 1) {
      const res = await attempt(email, `wrong guess ${i}`);
      if (res.status === 429) {
        const wait = expect429(res);
        delays.push(wait);
        t.clock.advance(wait * 1000);
        expect((await attempt(email, `wrong guess ${i}`)).status).toBe(400);
      } else {
        expect(res.status).toBe(400);
      }
    }
    return delays;
  }

  it('delays double after 3 failures (1, 2, 4, ... 60 s) and the 10th failure locks for 15 minutes, for real and unknown accounts alike', async () => {
    for (const email of ['target@example.com', 'ghost@example.com']) {
      // Failures 1-3 pass straight through; from then on each must wait out the previous delay,
      // which doubles up to backoff_max (60 s).
      expect(await failRepeatedly(email, 10)).toEqual([1, 2, 4, 8, 16, 32, 60]);
      // Locked: even the right password is refused, for the whole lockout.
      expect(expect429(await attempt(email, STRONG_PASSWORD))).toBe(900);
      t.clock.advance(899_000);
      expect(expect429(await attempt(email, STRONG_PASSWORD))).toBe(1);
    }
    // The counters live in the database, where every replica sees them.
    expect(await t.ctx.db.prisma.rateLimit.count({ where: { key: 'login-account:target@example.com' } })).toBe(1);
    t.clock.advance(1000);
    expect((await attempt('target@example.com', STRONG_PASSWORD)).status).toBe(200);
  });

  it('a successful sign-in clears the account counter (no delay on the next mistake)', async () => {
    await failRepeatedly('target@example.com', 5);
    t.clock.advance(60_000);
    expect((await attempt('target@example.com', STRONG_PASSWORD)).status).toBe(200);
    expect(await failRepeatedly('target@example.com', 3)).toEqual([]);
    expect(expect429(await attempt('target@example.com', STRONG_PASSWORD))).toBe(1);
    t.clock.advance(1000);
    expect((await attempt('target@example.com', STRONG_PASSWORD)).status).toBe(200);
  });

  it('an admin unlock (POST /users/{id}/unlock) lifts the lock at once', async () => {
    await failRepeatedly('target@example.com', 10);
    expect429(await attempt('target@example.com', STRONG_PASSWORD));
    const unlock = await request(t.app)
      .post(apiPath('unlockUser', { id: targetId }))
      .set('Authorization', `Bearer ${adminToken}`);
    expect(unlock.status).toBe(204);
    expect((await attempt('target@example.com', STRONG_PASSWORD)).status).toBe(200);
  });

  it('unlock is for admins only, and names unknown users', async () => {
    const userToken = await loginBearer(t.app, 'target@example.com');
    const path = apiPath('unlockUser', { id: targetId });
    expect((await request(t.app).post(path)).status).toBe(401);
    expect((await request(t.app).post(path).set('Authorization', `Bearer ${userToken}`)).body).toMatchObject({ detail: 'FORBIDDEN' });
    const missing = await request(t.app)
      .post(apiPath('unlockUser', { id: '00000000-0000-4000-8000-000000000000' }))
      .set('Authorization', `Bearer ${adminToken}`);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ detail: 'USER_NOT_FOUND' });
  });

  it('the per-client counter locks an address that sprays many accounts', async () => {
    const sprayer = await createTestContext({ config: { auth: { rate_limits: { login_failures_per_client: 6 } } } });
    try {
      const spray = (i: number) =>
        request(sprayer.app)
          .post(LOGIN)
          .send({ username: `user${i}@example.com`, password: 'guess' });
      // Every account is new, so only the client counter can stop this; its delays start at 3 (half of 6).
      const statuses: number[] = [];
      for (let i = 0; i < 6; i += 1) {
        let res = await spray(i);
        if (res.status === 429) {
          sprayer.clock.advance(expect429(res) * 1000);
          res = await spray(i);
        }
        statuses.push(res.status);
      }
      expect(statuses).toEqual([400, 400, 400, 400, 400, 400]);
      expect(expect429(await spray(99))).toBe(900);
    } finally {
      await sprayer.close();
    }
  });
});

describe('registration, forgot/reset password and the OIDC callback are braked too', () => {
  let t: TestContext;
  beforeAll(async () => {
    t = await createTestContext({
      config: {
        auth: {
          registration_enabled: true,
          rate_limits: {
            register_per_client: 3,
            forgot_per_client: 4,
            forgot_per_email: 2,
            reset_failures_per_client: 4,
            oidc_callback_failures_per_client: 4,
          },
        },
      },
    });
  });
  afterAll(() => t.close());

  it('registration: so many attempts per client per hour, then 429', async () => {
    for (let i = 0; i < 3; i += 1) {
      const res = await request(t.app)
        .post(apiPath('register'))
        .send({ email: `new${i}@example.com`, password: STRONG_PASSWORD });
      expect(res.status).toBe(201);
    }
    const retryAfter = expect429(await request(t.app).post(apiPath('register')).send({ email: 'new9@example.com', password: STRONG_PASSWORD }));
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expect(await t.ctx.db.prisma.user.count({ where: { email: 'new9@example.com' } })).toBe(0);
  });

  it('forgot password: per email and per client', async () => {
    const forgot = (email: string) => request(t.app).post(apiPath('forgotPassword')).send({ email });
    expect((await forgot('a@example.com')).status).toBe(202);
    expect((await forgot('a@example.com')).status).toBe(202);
    expect429(await forgot('a@example.com'));
    expect((await forgot('b@example.com')).status).toBe(202);
    expect429(await forgot('c@example.com'));
  });

  it('reset password: bad tokens delay and then lock the client', async () => {
    const reset = () => request(t.app).post(apiPath('resetPassword')).send({ token: 'not-a-real-token', password: STRONG_PASSWORD });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      let res = await reset();
      if (res.status === 429) {
        t.clock.advance(expect429(res) * 1000);
        res = await reset();
      }
      statuses.push(res.status);
    }
    expect(statuses).toEqual([400, 400, 400, 400]);
    expect(expect429(await reset())).toBe(900);
  });

  it('the OIDC callback: forged callbacks delay and then lock the client with 429', async () => {
    // No transaction cookie: a forged or replayed callback, sent back to the login page...
    const forged = () => request(t.app).get('/api/v1/auth/cookie/OpenID/callback?code=x&state=y');
    const first = await forged();
    expect(first.status).toBe(302);
    expect(first.headers.location).toMatch(/\/login\?oidc_error=/);
    for (let i = 1; i < 4; i += 1) {
      let res = await forged();
      if (res.status === 429) {
        t.clock.advance(expect429(res) * 1000);
        res = await forged();
      }
      expect(res.status).toBe(302);
    }
    // ... until the address is locked out.
    expect(expect429(await forged())).toBe(900);
  });
});
