// TOTP second factor through the HTTP API, on PGlite and (npm test) PostgreSQL: enrolment, the
// two-step sign-in for browsers and Bearer clients, replay, recovery codes, brakes, regeneration,
// removal, the administrator's reset and the [auth] second_factor policy. Codes are computed here
// from the secret at the injected clock's time, as a person's authenticator app would.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { API_PREFIX, SECOND_FACTOR_COOKIE, SESSION_COOKIE, type RouteSpec } from '@gatehouse/shared';
import { SIGNED_IN_ROUTES, callRoute } from '../test-support/route-table.js';
import { createTestContext, type TestContext } from '../test-support/test-context.js';
import { STRONG_PASSWORD, createUser, csrfHeaders, loginBearer, loginCookie, readSetCookies, type CookieSession } from '../test-support/fixtures.js';
import type { User } from '../users/repo.js';
import { generateTotpCode } from './totp.js';

const STEP_MS = 30_000;
/** Every secret and recovery code the API showed in this file: none may reach a log or the audit trail. */
const shown: string[] = [];
const FORWARD = `${API_PREFIX}/auth/forward`;

interface Enrolled {
  secret: string;
  recoveryCodes: string[];
  session: CookieSession;
}

/** Sets up an authenticator app for the account through the API, as the account page does. */
async function enrolTotp(t: TestContext, email: string): Promise<Enrolled> {
  const session = await loginCookie(t.app, email);
  const started = await request(t.app).post(`${API_PREFIX}/users/me/totp`).set(csrfHeaders(session));
  expect(started.status).toBe(200);
  const secret = started.body.secret as string;
  expect(started.body.otpauth_url).toMatch(/^otpauth:\/\/totp\/Gatehouse:/);
  const confirmed = await request(t.app)
    .post(`${API_PREFIX}/users/me/totp/confirm`)
    .set(csrfHeaders(session))
    .send({ code: generateTotpCode(secret, t.clock.now()) });
  expect(confirmed.status).toBe(200);
  shown.push(secret, ...(confirmed.body.recovery_codes as string[]));
  // The confirming code's step is spent: the next code must come from a later one.
  t.clock.advance(STEP_MS);
  return { secret, recoveryCodes: confirmed.body.recovery_codes as string[], session };
}

const passwordStep = (t: TestContext, email: string) =>
  request(t.app).post(`${API_PREFIX}/auth/jwt/login`).type('form').send({ username: email, password: STRONG_PASSWORD });

const bearerSecondStep = (t: TestContext, body: Record<string, unknown>) =>
  request(t.app).post(`${API_PREFIX}/auth/jwt/login/second-factor`).send(body);

describe('TOTP second factor', () => {
  let t: TestContext;
  let admin: User;

  beforeAll(async () => {
    t = await createTestContext();
    admin = await createUser(t.ctx, { email: 'root@example.com', isSuperuser: true });
  });
  afterAll(() => t.close());

  it('is set up with a code from the app, and then guards the Bearer sign-in in two steps', async () => {
    const user = await createUser(t.ctx, { email: 'ann@example.com' });
    const session = await loginCookie(t.app, 'ann@example.com');
    const started = await request(t.app).post(`${API_PREFIX}/users/me/totp`).set(csrfHeaders(session));
    const { secret } = started.body as { secret: string };
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    // Not active until confirmed: the password alone still signs in.
    expect((await passwordStep(t, 'ann@example.com')).status).toBe(200);
    const wrong = await request(t.app).post(`${API_PREFIX}/users/me/totp/confirm`).set(csrfHeaders(session)).send({ code: '000000' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.detail).toBe('SECOND_FACTOR_INVALID');
    const confirmed = await request(t.app)
      .post(`${API_PREFIX}/users/me/totp/confirm`)
      .set(csrfHeaders(session))
      .send({ code: generateTotpCode(secret, t.clock.now()) });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.recovery_codes).toHaveLength(10);
    expect(new Set(confirmed.body.recovery_codes).size).toBe(10);
    shown.push(secret, ...(confirmed.body.recovery_codes as string[]));
    // The database holds the secret encrypted and the codes hashed: neither in plain text.
    const factor = await t.ctx.db.prisma.totpFactor.findUniqueOrThrow({ where: { userId: user.id } });
    expect(factor.secretEncrypted).not.toContain(secret);
    const stored = await t.ctx.db.prisma.recoveryCode.findMany({ where: { userId: user.id } });
    expect(stored.map((row) => row.codeHash)).not.toContain(confirmed.body.recovery_codes[0]);
    const status = await request(t.app).get(`${API_PREFIX}/users/me/second-factor`).set('Cookie', session.cookie);
    expect(status.body).toEqual({ totp: true, passkeys: 0, recovery_codes_left: 10, required: false, enrolment_required: false });
    expect((await request(t.app).get(`${API_PREFIX}/users/me`).set('Cookie', session.cookie)).body.has_second_factor).toBe(true);
    t.clock.advance(STEP_MS);

    const sessionsBefore = await t.ctx.db.prisma.session.count({ where: { userId: user.id } });
    const first = await passwordStep(t, 'ann@example.com');
    expect(first.status).toBe(401);
    expect(first.body).toMatchObject({ detail: 'SECOND_FACTOR_REQUIRED', second_factor: { methods: ['totp', 'recovery_code'], expires_in: 300 } });
    expect(typeof first.body.second_factor.token).toBe('string');
    // No session yet.
    expect(await t.ctx.db.prisma.session.count({ where: { userId: user.id } })).toBe(sessionsBefore);

    const code = generateTotpCode(secret, t.clock.now());
    const second = await bearerSecondStep(t, { token: first.body.second_factor.token, code: `${code.slice(0, 3)} ${code.slice(3)}` });
    expect(second.status).toBe(200);
    const me = await request(t.app).get(`${API_PREFIX}/users/me`).set('Authorization', `Bearer ${second.body.access_token}`);
    expect(me.status).toBe(200);
    expect(me.body.email).toBe('ann@example.com');

    // The same code again, on a new pending sign-in: refused (replay), nothing issued.
    const again = await passwordStep(t, 'ann@example.com');
    const replayed = await bearerSecondStep(t, { token: again.body.second_factor.token, code });
    expect(replayed.status).toBe(400);
    expect(replayed.body.detail).toBe('SECOND_FACTOR_INVALID');
    // A pending sign-in completes once.
    expect((await bearerSecondStep(t, { token: first.body.second_factor.token, code })).body.detail).toBe('SECOND_FACTOR_EXPIRED');
    // The next step's code works.
    t.clock.advance(STEP_MS);
    const next = await bearerSecondStep(t, { token: again.body.second_factor.token, code: generateTotpCode(secret, t.clock.now()) });
    expect(next.status).toBe(200);
    t.clock.advance(STEP_MS);
  });

  it('completes a browser sign-in through an HttpOnly cookie that the Bearer flow cannot use, and the reverse', async () => {
    await createUser(t.ctx, { email: 'bea@example.com' });
    const { secret } = await enrolTotp(t, 'bea@example.com');
    const first = await request(t.app).post(`${API_PREFIX}/auth/cookie/login`).send({ username: 'bea@example.com', password: STRONG_PASSWORD });
    expect(first.status).toBe(401);
    expect(first.body.detail).toBe('SECOND_FACTOR_REQUIRED');
    // The browser's token is never in the body (script cannot read it), only in the cookie.
    expect(first.body.second_factor.token).toBeUndefined();
    const cookies = readSetCookies(first);
    expect(cookies[SESSION_COOKIE]).toBeUndefined();
    const pending = cookies[SECOND_FACTOR_COOKIE]!;
    const setCookie = (first.headers['set-cookie'] as unknown as string[]).find((line) => line.startsWith(SECOND_FACTOR_COOKIE))!;
    expect(setCookie).toMatch(/HttpOnly/i);

    // A browser's pending sign-in is no Bearer one, and a Bearer one is no browser's.
    const code = generateTotpCode(secret, t.clock.now());
    expect((await bearerSecondStep(t, { token: pending, code })).body.detail).toBe('SECOND_FACTOR_EXPIRED');
    const bearerFirst = await passwordStep(t, 'bea@example.com');
    const crossed = await request(t.app)
      .post(`${API_PREFIX}/auth/cookie/login/second-factor`)
      .set('Cookie', `${SECOND_FACTOR_COOKIE}=${bearerFirst.body.second_factor.token}`)
      .send({ code });
    expect(crossed.body.detail).toBe('SECOND_FACTOR_EXPIRED');
    // Without the cookie there is nothing to complete.
    expect((await request(t.app).post(`${API_PREFIX}/auth/cookie/login/second-factor`).send({ code })).body.detail).toBe('SECOND_FACTOR_EXPIRED');

    const done = await request(t.app)
      .post(`${API_PREFIX}/auth/cookie/login/second-factor`)
      .set('Cookie', `${SECOND_FACTOR_COOKIE}=${pending}`)
      .send({ code });
    expect(done.status).toBe(204);
    const sessionCookies = readSetCookies(done);
    expect(sessionCookies[SESSION_COOKIE]).toBeTruthy();
    expect(sessionCookies[SECOND_FACTOR_COOKIE]).toBe('');
    const me = await request(t.app).get(`${API_PREFIX}/users/me`).set('Cookie', `${SESSION_COOKIE}=${sessionCookies[SESSION_COOKIE]}`);
    expect(me.body.email).toBe('bea@example.com');
    t.clock.advance(STEP_MS);
  });

  it('accepts each recovery code once, and new codes void the old ones', async () => {
    await createUser(t.ctx, { email: 'cy@example.com' });
    const { recoveryCodes, session } = await enrolTotp(t, 'cy@example.com');
    const [firstCode, secondCode] = recoveryCodes;
    const first = await passwordStep(t, 'cy@example.com');
    // Typed in capitals without the dash: still the code.
    const used = await bearerSecondStep(t, { token: first.body.second_factor.token, recovery_code: firstCode!.toUpperCase().replace('-', '') });
    expect(used.status).toBe(200);
    const again = await passwordStep(t, 'cy@example.com');
    const reused = await bearerSecondStep(t, { token: again.body.second_factor.token, recovery_code: firstCode });
    expect(reused.body.detail).toBe('SECOND_FACTOR_INVALID');
    const events = await t.ctx.db.prisma.auditEvent.findMany({ where: { userEmail: 'cy@example.com', type: 'second_factor.recovery_code_used' } });
    expect(events).toHaveLength(1);
    expect(events[0]!.details).toEqual({ left: 9 });

    const regenerated = await request(t.app).post(`${API_PREFIX}/users/me/recovery-codes`).set(csrfHeaders(session));
    expect(regenerated.status).toBe(200);
    expect(regenerated.body.recovery_codes).toHaveLength(10);
    shown.push(...(regenerated.body.recovery_codes as string[]));
    const third = await passwordStep(t, 'cy@example.com');
    expect((await bearerSecondStep(t, { token: third.body.second_factor.token, recovery_code: secondCode })).body.detail).toBe(
      'SECOND_FACTOR_INVALID',
    );
    const fresh = await bearerSecondStep(t, { token: third.body.second_factor.token, recovery_code: regenerated.body.recovery_codes[0] });
    expect(fresh.status).toBe(200);
  });

  it('brakes wrong codes per account, also when they arrive all at once', async () => {
    const user = await createUser(t.ctx, { email: 'dee@example.com' });
    const { secret } = await enrolTotp(t, 'dee@example.com');
    const limit = t.ctx.config.auth.rate_limits.second_factor_failures_per_account;
    // Several pending sign-ins (each allows five wrong codes), then twenty guesses at once.
    const tokens = await Promise.all([1, 2, 3, 4].map(async () => (await passwordStep(t, 'dee@example.com')).body.second_factor.token as string));
    const guesses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => bearerSecondStep(t, { token: tokens[i % tokens.length], code: String(100000 + i) })),
    );
    const judged = guesses.filter((res) => res.body.detail === 'SECOND_FACTOR_INVALID').length;
    expect(judged).toBeLessThanOrEqual(limit);
    expect(guesses.filter((res) => res.status === 429).length).toBeGreaterThanOrEqual(20 - limit - 1);
    // The account is locked for codes: even the right one waits.
    const right = await bearerSecondStep(t, { token: tokens[0], code: generateTotpCode(secret, t.clock.now()) });
    expect(right.status).toBe(429);
    const failures = await t.ctx.db.prisma.auditEvent.count({ where: { userId: user.id, type: 'second_factor.failed' } });
    expect(failures).toBe(judged);
    t.clock.advance(t.ctx.config.auth.rate_limits.lockout * 1000 + STEP_MS);
  });

  it('refuses a pending sign-in after five wrong codes, after five minutes, and once the account is deactivated', async () => {
    const user = await createUser(t.ctx, { email: 'eve@example.com' });
    const { secret } = await enrolTotp(t, 'eve@example.com');
    const worn = (await passwordStep(t, 'eve@example.com')).body.second_factor.token;
    for (let i = 0; i < 5; i += 1) {
      expect((await bearerSecondStep(t, { token: worn, code: String(200000 + i) })).body.detail).toBe('SECOND_FACTOR_INVALID');
      // Not the account's brake at work here (it would answer 429 first): the pending sign-in's own limit.
      await t.services.rateLimiter.reset(t.services.rateLimiter.rules.secondFactorPerAccount, user.id);
    }
    expect((await bearerSecondStep(t, { token: worn, code: generateTotpCode(secret, t.clock.now()) })).body.detail).toBe('SECOND_FACTOR_EXPIRED');

    const late = (await passwordStep(t, 'eve@example.com')).body.second_factor.token;
    t.clock.advance(5 * 60_000 + 1000);
    expect((await bearerSecondStep(t, { token: late, code: generateTotpCode(secret, t.clock.now()) })).body.detail).toBe('SECOND_FACTOR_EXPIRED');

    const token = (await passwordStep(t, 'eve@example.com')).body.second_factor.token;
    await t.ctx.db.prisma.user.update({ where: { id: user.id }, data: { isActive: false } });
    expect((await bearerSecondStep(t, { token, code: generateTotpCode(secret, t.clock.now()) })).body.detail).toBe('SECOND_FACTOR_EXPIRED');
  });

  it('is removed only with a recent sign-in; removal and regeneration refuse an old session', async () => {
    await createUser(t.ctx, { email: 'fay@example.com' });
    const { session } = await enrolTotp(t, 'fay@example.com');
    t.clock.advance((t.ctx.config.auth.reauthentication_window + 1) * 1000);
    for (const call of [
      request(t.app).delete(`${API_PREFIX}/users/me/totp`).set(csrfHeaders(session)),
      request(t.app).post(`${API_PREFIX}/users/me/recovery-codes`).set(csrfHeaders(session)),
      request(t.app).post(`${API_PREFIX}/users/me/totp`).set(csrfHeaders(session)),
    ]) {
      const res = await call;
      expect(res.status).toBe(403);
      expect(res.body.detail).toBe('REAUTHENTICATION_REQUIRED');
    }
    const reauth = await request(t.app)
      .post(`${API_PREFIX}/users/me/reauthenticate`)
      .set(csrfHeaders(session))
      .send({ current_password: STRONG_PASSWORD });
    expect(reauth.status).toBe(200);
    const removed = await request(t.app).delete(`${API_PREFIX}/users/me/totp`).set(csrfHeaders(session));
    expect(removed.status).toBe(204);
    expect((await passwordStep(t, 'fay@example.com')).status).toBe(200);
    expect((await request(t.app).delete(`${API_PREFIX}/users/me/totp`).set(csrfHeaders(session))).body.detail).toBe('TOTP_NOT_ENABLED');
  });

  it('is reset by an administrator (not by anyone else), which voids sign-ins waiting on it', async () => {
    const gus = await createUser(t.ctx, { email: 'gus@example.com' });
    const { secret } = await enrolTotp(t, 'gus@example.com');
    const waiting = (await passwordStep(t, 'gus@example.com')).body.second_factor.token;
    await createUser(t.ctx, { email: 'mallory@example.com' });
    const mallory = await loginBearer(t.app, 'mallory@example.com');
    const refused = await request(t.app).delete(`${API_PREFIX}/users/${gus.id}/second-factor`).set('Authorization', `Bearer ${mallory}`);
    expect(refused.status).toBe(403);
    expect((await t.ctx.db.prisma.user.findUniqueOrThrow({ where: { id: gus.id } })).secondFactorEnrolled).toBe(true);

    const adminToken = await loginBearer(t.app, 'root@example.com');
    const reset = await request(t.app).delete(`${API_PREFIX}/users/${gus.id}/second-factor`).set('Authorization', `Bearer ${adminToken}`);
    expect(reset.status).toBe(204);
    expect((await bearerSecondStep(t, { token: waiting, code: generateTotpCode(secret, t.clock.now()) })).body.detail).toBe('SECOND_FACTOR_EXPIRED');
    expect((await passwordStep(t, 'gus@example.com')).status).toBe(200);
    expect(await t.ctx.db.prisma.totpFactor.count({ where: { userId: gus.id } })).toBe(0);
    expect(await t.ctx.db.prisma.recoveryCode.count({ where: { userId: gus.id } })).toBe(0);
    const event = await t.ctx.db.prisma.auditEvent.findFirstOrThrow({ where: { type: 'admin.second_factor_reset', userId: gus.id } });
    expect(event.actorId).toBe(admin.id);
  });

  it('writes every enrolment, removal, recovery-code use and reset to the audit trail, and no secret or code to any log', async () => {
    const types = (await t.ctx.db.prisma.auditEvent.findMany({ select: { type: true } })).map((event) => event.type);
    for (const type of [
      'second_factor.enrolled',
      'second_factor.removed',
      'second_factor.failed',
      'second_factor.recovery_code_used',
      'second_factor.recovery_codes_regenerated',
      'admin.second_factor_reset',
    ]) {
      expect(types).toContain(type);
    }
    const sealed = (await t.ctx.db.prisma.totpFactor.findMany()).map((row) => row.secretEncrypted);
    const log = t.logText();
    const trail = JSON.stringify(await t.ctx.db.prisma.auditEvent.findMany({ omit: { id: true } }));
    expect(shown.length).toBeGreaterThan(50);
    for (const secret of [...shown, ...sealed]) {
      expect(log).not.toContain(secret);
      expect(trail).not.toContain(secret);
    }
  });
});

describe('[auth] second_factor policy', () => {
  describe('"required"', () => {
    let t: TestContext;
    beforeAll(async () => {
      t = await createTestContext({
        config: { auth: { second_factor: 'required', forward_auth: { allowed_hosts: ['app.example.com'], rules: [] } } },
      });
      await createUser(t.ctx, { email: 'new@example.com' });
    });
    afterAll(() => t.close());

    const call = (spec: RouteSpec, token: string) => callRoute(t.app, spec, token);

    for (const [name, spec] of SIGNED_IN_ROUTES.filter(([, s]) => !s.allowEnrolment)) {
      it(`refuses ${name} (${spec.method.toUpperCase()} ${spec.path}) until a second factor is set up`, async () => {
        const token = await loginBearer(t.app, 'new@example.com');
        const res = await call(spec, token);
        expect({ name, status: res.status, detail: res.body.detail }).toEqual({ name, status: 403, detail: 'SECOND_FACTOR_ENROLMENT_REQUIRED' });
      });
    }

    it('lets the session read the account, see why, set up the app, and then everything', async () => {
      const token = await loginBearer(t.app, 'new@example.com');
      const bearer = { Authorization: `Bearer ${token}` };
      expect((await request(t.app).get(`${API_PREFIX}/users/me`).set(bearer)).status).toBe(200);
      const status = await request(t.app).get(`${API_PREFIX}/users/me/second-factor`).set(bearer);
      expect(status.body).toEqual({ totp: false, passkeys: 0, recovery_codes_left: 0, required: true, enrolment_required: true });
      // ForwardAuth lets no such session through to the protected apps either.
      const forwarded = { 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'app.example.com', 'X-Forwarded-Uri': '/' };
      const guarded = await request(t.app).get(FORWARD).set(forwarded).set(bearer).set('Accept', 'application/json');
      expect(guarded.status).toBe(403);
      expect(guarded.body.detail).toBe('SECOND_FACTOR_ENROLMENT_REQUIRED');

      const started = await request(t.app).post(`${API_PREFIX}/users/me/totp`).set(bearer);
      const confirmed = await request(t.app)
        .post(`${API_PREFIX}/users/me/totp/confirm`)
        .set(bearer)
        .send({ code: generateTotpCode(started.body.secret, t.clock.now()) });
      expect(confirmed.status).toBe(200);
      expect((await request(t.app).get(`${API_PREFIX}/users/me/sessions`).set(bearer)).status).toBe(200);
      expect((await request(t.app).get(FORWARD).set(forwarded).set(bearer)).status).toBe(200);
    });
  });

  describe('"required_for_admins"', () => {
    let t: TestContext;
    beforeAll(async () => {
      t = await createTestContext({ config: { auth: { second_factor: 'required_for_admins' } } });
      await createUser(t.ctx, { email: 'boss@example.com', isSuperuser: true });
      await createUser(t.ctx, { email: 'member@example.com' });
    });
    afterAll(() => t.close());

    it('holds administrators back until they set one up, and nobody else', async () => {
      const boss = await loginBearer(t.app, 'boss@example.com');
      const users = await request(t.app).get(`${API_PREFIX}/users`).set('Authorization', `Bearer ${boss}`);
      expect(users.status).toBe(403);
      expect(users.body.detail).toBe('SECOND_FACTOR_ENROLMENT_REQUIRED');
      const member = await loginBearer(t.app, 'member@example.com');
      expect((await request(t.app).get(`${API_PREFIX}/users/me/sessions`).set('Authorization', `Bearer ${member}`)).status).toBe(200);
    });
  });

  describe('"optional" (the default)', () => {
    let t: TestContext;
    beforeAll(async () => {
      t = await createTestContext();
      await createUser(t.ctx, { email: 'boss@example.com', isSuperuser: true });
    });
    afterAll(() => t.close());

    it('holds nobody back', async () => {
      const boss = await loginBearer(t.app, 'boss@example.com');
      expect((await request(t.app).get(`${API_PREFIX}/users`).set('Authorization', `Bearer ${boss}`)).status).toBe(200);
      const status = await request(t.app).get(`${API_PREFIX}/users/me/second-factor`).set('Authorization', `Bearer ${boss}`);
      expect(status.body).toMatchObject({ required: false, enrolment_required: false });
    });
  });
});
