// Tokens bound to their transport (a cookie session's token is no Bearer token, and the reverse)
// and the idle timeout (auth.session_idle_timeout), on the injected clock.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE } from '@gatehouse/shared';
import { createTestContext, type TestContext } from '../test-support/test-context.js';
import { createUser, csrfHeaders, loginBearer, loginCookie } from '../test-support/fixtures.js';
import { deriveCsrfToken } from './session-token.js';

const ME = '/api/v1/users/me';
const sessionIdOf = (token: string) => (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { sid: string }).sid;

describe('tokens bound to their transport', () => {
  let t: TestContext;
  beforeAll(async () => {
    t = await createTestContext();
    await createUser(t.ctx, { email: 'alice@example.com' });
  });
  afterAll(() => t.close());

  it("refuses a cookie session's token sent as Authorization: Bearer (which would skip the CSRF check)", async () => {
    const session = await loginCookie(t.app, 'alice@example.com');
    expect((await request(t.app).get(ME).set('Cookie', session.cookie)).status).toBe(200);
    const asBearer = await request(t.app).get(ME).set('Authorization', `Bearer ${session.sessionToken}`);
    expect(asBearer.status).toBe(401);
    expect(asBearer.body.detail).toBe('UNAUTHORIZED');
    // A state change without the CSRF header, the point of the attack: refused, nothing changed.
    const patch = await request(t.app).patch(ME).set('Authorization', `Bearer ${session.sessionToken}`).send({ display_name: 'Changed' });
    expect(patch.status).toBe(401);
    const logout = await request(t.app).post('/api/v1/auth/jwt/logout').set('Authorization', `Bearer ${session.sessionToken}`);
    expect(logout.status).toBe(401);
    const me = await request(t.app).get(ME).set('Cookie', session.cookie);
    expect(me.status).toBe(200);
    expect(me.body.display_name).toBeNull();
  });

  it('refuses a Bearer token put in the session cookie, and it does not pass the CSRF layer either', async () => {
    const token = await loginBearer(t.app, 'alice@example.com');
    expect((await request(t.app).get(ME).set('Authorization', `Bearer ${token}`)).status).toBe(200);
    const asCookie = await request(t.app).get(ME).set('Cookie', `${SESSION_COOKIE}=${token}`);
    expect(asCookie.status).toBe(401);
    // Even with the CSRF token a cookie session of that id would have, no state change goes through.
    const csrf = deriveCsrfToken(sessionIdOf(token), t.ctx.config.auth.token_secret);
    const cookie = `${SESSION_COOKIE}=${token}; ${CSRF_COOKIE}=${csrf}`;
    const patch = await request(t.app)
      .patch(ME)
      .set({ Cookie: cookie, [CSRF_HEADER]: csrf })
      .send({ display_name: 'Changed' });
    expect(patch.status).toBe(401);
    const noCsrf = await request(t.app).patch(ME).set('Cookie', cookie).send({ display_name: 'Changed' });
    expect(noCsrf.status).toBe(401);
    const logout = await request(t.app)
      .post('/api/v1/auth/cookie/logout')
      .set({ Cookie: cookie, [CSRF_HEADER]: csrf });
    expect(logout.status).toBe(401);
    // The bearer session is untouched, and nothing was changed.
    const me = await request(t.app).get(ME).set('Authorization', `Bearer ${token}`);
    expect(me.status).toBe(200);
    expect(me.body.display_name).toBeNull();
  });

  it('still accepts each token by its own transport (cookie with CSRF header, Bearer without)', async () => {
    const session = await loginCookie(t.app, 'alice@example.com');
    expect((await request(t.app).patch(ME).set(csrfHeaders(session)).send({ display_name: 'Alice' })).status).toBe(200);
    const token = await loginBearer(t.app, 'alice@example.com');
    expect((await request(t.app).patch(ME).set('Authorization', `Bearer ${token}`).send({ display_name: 'Alice B' })).status).toBe(200);
  });
});

describe('idle timeout (auth.session_idle_timeout)', () => {
  const IDLE_S = 600;
  let t: TestContext;
  beforeAll(async () => {
    t = await createTestContext({ config: { auth: { session_idle_timeout: IDLE_S, session_lifetime: 86400, session_cache_seconds: 5 } } });
    await createUser(t.ctx, { email: 'idle@example.com' });
  });
  afterAll(() => t.close());

  const lastSeenOf = async (token: string) =>
    (await t.ctx.db.prisma.session.findUniqueOrThrow({ where: { id: sessionIdOf(token) } })).lastSeenAt.getTime();
  /** The activity write is not awaited by the request: wait until it lands. */
  const waitForLastSeen = async (token: string, expectedMs: number) => {
    for (let i = 0; i < 100 && (await lastSeenOf(token)) !== expectedMs; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await lastSeenOf(token)).toBe(expectedMs);
  };

  it('keeps a session that is used, and ends one unused for the idle timeout', async () => {
    const token = await loginBearer(t.app, 'idle@example.com');
    const me = () => request(t.app).get(ME).set('Authorization', `Bearer ${token}`);
    for (let i = 0; i < 3; i++) {
      t.clock.advance((IDLE_S - 1) * 1000); // just inside, three times: well past the timeout in total
      expect((await me()).status).toBe(200);
      await waitForLastSeen(token, t.clock.now().getTime());
    }
    t.clock.advance(IDLE_S * 1000);
    expect((await me()).status).toBe(401);
    // Unused stays unused: no later request revives it.
    t.clock.advance(1000);
    expect((await me()).status).toBe(401);
  });

  it('ends a cookie session and its forward credential alike', async () => {
    const session = await loginCookie(t.app, 'idle@example.com');
    const auth = t.services.auth;
    expect(await auth.authenticateForward(session.forwardToken)).not.toBeNull();
    t.clock.advance(IDLE_S * 1000);
    expect((await request(t.app).get(ME).set('Cookie', session.cookie)).status).toBe(401);
    expect(await auth.authenticateForward(session.forwardToken)).toBeNull();
  });

  it('records activity at most once a minute', async () => {
    const token = await loginBearer(t.app, 'idle@example.com');
    const issuedAt = await lastSeenOf(token);
    t.clock.advance(30_000);
    expect((await request(t.app).get(ME).set('Authorization', `Bearer ${token}`)).status).toBe(200);
    t.clock.advance(10_000); // past the 5 s cache: this one reads the row again
    expect((await request(t.app).get(ME).set('Authorization', `Bearer ${token}`)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 200));
    expect(await lastSeenOf(token)).toBe(issuedAt);
    t.clock.advance(30_000); // 70 s after sign-in
    expect((await request(t.app).get(ME).set('Authorization', `Bearer ${token}`)).status).toBe(200);
    await waitForLastSeen(token, t.clock.now().getTime());
  });

  it('housekeeping deletes the rows of idle sessions and keeps those in use', async () => {
    const idle = await loginBearer(t.app, 'idle@example.com');
    t.clock.advance(60_000);
    const used = await loginBearer(t.app, 'idle@example.com');
    t.clock.advance((IDLE_S - 60) * 1000); // idle: exactly the timeout; used: a minute less
    const rowOf = (token: string) => t.ctx.db.prisma.session.findUnique({ where: { id: sessionIdOf(token) } });
    await t.services.auth.purgeExpired();
    expect(await rowOf(idle)).toBeNull();
    expect(await rowOf(used)).not.toBeNull();
    expect((await request(t.app).get(ME).set('Authorization', `Bearer ${used}`)).status).toBe(200);
  });

  it('does not end a session in use because a cached copy remembers an old activity time', async () => {
    const token = await loginBearer(t.app, 'idle@example.com');
    const me = () => request(t.app).get(ME).set('Authorization', `Bearer ${token}`);
    t.clock.advance((IDLE_S - 2) * 1000);
    expect((await me()).status).toBe(200); // read from the database, activity recorded, cached
    t.clock.advance(3000); // within the cache's 5 s, past the timeout counted from sign-in
    expect((await me()).status).toBe(200);
  });
});
