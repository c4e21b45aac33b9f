import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import crypto from 'node:crypto';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE } from '@gatehouse/shared';
import { createTestContext, type TestContext } from '../test-support/test-context.js';
import { buildOidcProviderConfig } from '../test-support/oidc-fixtures.js';
import {
  STRONG_PASSWORD,
  createUser,
  crossSiteHeaders,
  csrfHeaders,
  loginBearer,
  loginCookie,
  readSetCookies,
  sameOriginHeaders,
} from '../test-support/fixtures.js';
import type { PasswordHasher } from './password-hasher.js';

describe('password sign-in and sessions', () => {
  let t: TestContext;
  let comparisons = 0;

  beforeAll(async () => {
    // Count bcrypt comparisons, real or dummy, to show unknown users cost the same work.
    const countingHasher = (inner: PasswordHasher): PasswordHasher => ({
      ...inner,
      verify: (password, hash) => {
        comparisons += 1;
        return inner.verify(password, hash);
      },
      verifyDummy: (password) => {
        comparisons += 1;
        return inner.verifyDummy(password);
      },
    });
    t = await createTestContext({ hasher: countingHasher });
    await createUser(t.ctx, { email: 'alice@example.com' });
    await createUser(t.ctx, { email: 'disabled@example.com', isActive: false });
    await createUser(t.ctx, { email: 'nopassword@example.com', password: null });
  });
  afterAll(() => t.close());

  it('signs in with the OAuth2 password form and returns a bearer token', async () => {
    const res = await request(t.app)
      .post('/api/v1/auth/jwt/login')
      .type('form')
      .send({ username: 'alice@example.com', password: STRONG_PASSWORD, grant_type: 'password' });
    expect(res.status).toBe(200);
    expect(res.body.token_type).toBe('bearer');
    const me = await request(t.app).get('/api/v1/users/me').set('Authorization', `Bearer ${res.body.access_token}`);
    expect(me.status).toBe(200);
    expect(me.body.email).toBe('alice@example.com');
    expect(me.body).not.toHaveProperty('hashed_password');
    expect(JSON.stringify(me.body)).not.toContain('$2');
  });

  it('accepts JSON too, and normalises the email', async () => {
    const res = await request(t.app).post('/api/v1/auth/jwt/login').send({ username: '  Alice@EXAMPLE.com ', password: STRONG_PASSWORD });
    expect(res.status).toBe(200);
  });

  it('answers unknown email, wrong password, no password and disabled account identically', async () => {
    const attempts = [
      { username: 'nobody@example.com', password: STRONG_PASSWORD },
      { username: 'alice@example.com', password: 'wrong password here' },
      { username: 'nopassword@example.com', password: STRONG_PASSWORD },
      { username: 'disabled@example.com', password: STRONG_PASSWORD },
    ];
    const bodies: unknown[] = [];
    for (const attempt of attempts) {
      const before = comparisons;
      const res = await request(t.app).post('/api/v1/auth/jwt/login').type('form').send(attempt);
      expect(res.status).toBe(400);
      // Identical apart from the request id, which differs for every request by design.
      const { request_id: requestId, ...body } = res.body as Record<string, unknown>;
      expect(typeof requestId).toBe('string');
      bodies.push(body);
      // Exactly one bcrypt comparison each: the unknown user pays for a dummy one.
      expect(comparisons - before).toBe(1);
    }
    for (const body of bodies) expect(body).toEqual(bodies[0]);
    expect(bodies[0]).toMatchObject({ detail: 'LOGIN_BAD_CREDENTIALS' });
  });

  it('sets HttpOnly SameSite=Lax cookies on cookie login and accepts them', async () => {
    const res = await request(t.app).post('/api/v1/auth/cookie/login').send({ username: 'alice@example.com', password: STRONG_PASSWORD });
    expect(res.status).toBe(204);
    const raw = (res.headers['set-cookie'] as unknown as string[]).join('\n');
    expect(raw).toMatch(new RegExp(`${SESSION_COOKIE}=[^;]+;.*HttpOnly`, 'i'));
    expect(raw).toMatch(/SameSite=Lax/i);
    // frontend_url is http:// here, so not Secure and no HSTS (both come under https).
    expect(raw).not.toMatch(/;\s*Secure/i);
    expect(res.headers['strict-transport-security']).toBeUndefined();
    const csrfLine = (res.headers['set-cookie'] as unknown as string[]).find((l) => l.startsWith(`${CSRF_COOKIE}=`));
    expect(csrfLine).toBeDefined();
    expect(csrfLine).not.toMatch(/HttpOnly/i);
    const cookies = readSetCookies(res);
    const me = await request(t.app).get('/api/v1/users/me').set('Cookie', `${SESSION_COOKIE}=${cookies[SESSION_COOKIE]}`);
    expect(me.status).toBe(200);
  });

  it('marks cookies Secure when frontend_url is https', async () => {
    const secure = await createTestContext({ config: { misc: { frontend_url: 'https://media.example.com' } } });
    try {
      await createUser(secure.ctx, { email: 'bob@example.com' });
      const res = await request(secure.app).post('/api/v1/auth/cookie/login').send({ username: 'bob@example.com', password: STRONG_PASSWORD });
      expect(res.status).toBe(204);
      for (const line of res.headers['set-cookie'] as unknown as string[]) expect(line).toMatch(/;\s*Secure/i);
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    } finally {
      await secure.close();
    }
  });

  it('refuses every password sign-in when password_login_enabled is false, and says so in the metadata', async () => {
    // SSO-only needs a provider to sign in with (the loader refuses the setting otherwise); nobody
    // signs in through it here, so its endpoint is never fetched.
    const provider = buildOidcProviderConfig({
      name: 'Home',
      client_id: 'client-Home',
      configuration_endpoint: 'http://127.0.0.1:9/.well-known/openid-configuration',
    });
    const ssoOnly = await createTestContext({
      config: { auth: { password_login_enabled: false, openid_connect: [provider] } },
    });
    try {
      await createUser(ssoOnly.ctx, { email: 'carol@example.com' });
      const metadata = await request(ssoOnly.app).get('/api/v1/auth/metadata');
      expect(metadata.body.password_login_enabled).toBe(false);
      const cookie = await request(ssoOnly.app).post('/api/v1/auth/cookie/login').send({ username: 'carol@example.com', password: STRONG_PASSWORD });
      const jwt = await request(ssoOnly.app)
        .post('/api/v1/auth/jwt/login')
        .type('form')
        .send({ username: 'carol@example.com', password: STRONG_PASSWORD });
      for (const res of [cookie, jwt]) {
        expect(res.status).toBe(403);
        expect(res.body.detail).toBe('PASSWORD_LOGIN_DISABLED');
        expect(res.headers['set-cookie']).toBeUndefined();
      }
    } finally {
      await ssoOnly.close();
    }
  });

  it('ends the session for real on logout (bearer and cookie)', async () => {
    const token = await loginBearer(t.app, 'alice@example.com');
    const out = await request(t.app).post('/api/v1/auth/jwt/logout').set('Authorization', `Bearer ${token}`);
    expect(out.status).toBe(204);
    const after = await request(t.app).get('/api/v1/users/me').set('Authorization', `Bearer ${token}`);
    expect(after.status).toBe(401);
    expect(after.body.detail).toBe('UNAUTHORIZED');

    const session = await loginCookie(t.app, 'alice@example.com');
    const logout = await request(t.app).post('/api/v1/auth/cookie/logout').set(csrfHeaders(session));
    expect(logout.status).toBe(204);
    expect((logout.headers['set-cookie'] as unknown as string[]).join()).toMatch(new RegExp(`${SESSION_COOKIE}=;`));
    const replay = await request(t.app).get('/api/v1/users/me').set('Cookie', session.cookie);
    expect(replay.status).toBe(401);
  });

  describe('refuses forged and broken tokens', () => {
    let valid: string;
    let claims: { sub: string; sid: string };
    beforeAll(async () => {
      valid = await loginBearer(t.app, 'alice@example.com');
      claims = jwt.decode(valid) as { sub: string; sid: string };
    });
    const me = (token: string) => request(t.app).get('/api/v1/users/me').set('Authorization', `Bearer ${token}`);
    const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const claimsFor = (extra: object = {}) => ({
      sub: claims.sub,
      sid: claims.sid,
      iss: 'gatehouse',
      aud: 'gatehouse:session',
      iat: Math.floor(t.clock.now().getTime() / 1000),
      exp: Math.floor(t.clock.now().getTime() / 1000) + 3600,
      ...extra,
    });

    it('accepts the genuine token (control)', async () => {
      expect((await me(valid)).status).toBe(200);
    });
    it('tampered payload', async () => {
      const [header, , signature] = valid.split('.');
      const forged = `${header}.${b64(claimsFor({ sub: crypto.randomUUID() }))}.${signature}`;
      expect((await me(forged)).status).toBe(401);
    });
    it('unsigned (alg: none)', async () => {
      const forged = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claimsFor())}.`;
      expect((await me(forged)).status).toBe(401);
    });
    it('signed with another secret', async () => {
      const forged = jwt.sign(claimsFor(), 'another-secret-another-secret-another', { algorithm: 'HS256' });
      expect((await me(forged)).status).toBe(401);
    });
    it('HS512 with the right secret (algorithm pinned to HS256)', async () => {
      const forged = jwt.sign(claimsFor(), t.ctx.config.auth.token_secret, { algorithm: 'HS512' });
      expect((await me(forged)).status).toBe(401);
    });
    it('without exp', async () => {
      const { exp: _exp, ...noExp } = claimsFor();
      const forged = jwt.sign(noExp, t.ctx.config.auth.token_secret, { algorithm: 'HS256' });
      expect((await me(forged)).status).toBe(401);
    });
    it('expired', async () => {
      const forged = jwt.sign(claimsFor({ exp: Math.floor(t.clock.now().getTime() / 1000) - 10 }), t.ctx.config.auth.token_secret, {
        algorithm: 'HS256',
      });
      expect((await me(forged)).status).toBe(401);
    });
    it('naming a session that does not exist', async () => {
      const forged = jwt.sign(claimsFor({ sid: crypto.randomUUID() }), t.ctx.config.auth.token_secret, { algorithm: 'HS256' });
      expect((await me(forged)).status).toBe(401);
    });
    it('naming a malformed session id', async () => {
      const forged = jwt.sign(claimsFor({ sid: "x' OR 1=1" }), t.ctx.config.auth.token_secret, { algorithm: 'HS256' });
      expect((await me(forged)).status).toBe(401);
    });
    it('garbage', async () => {
      expect((await me('not.a.jwt')).status).toBe(401);
      expect((await request(t.app).get('/api/v1/users/me').set('Authorization', 'Basic abc')).status).toBe(401);
    });
    it('expires with the session lifetime (clock moved past it)', async () => {
      const token = await loginBearer(t.app, 'alice@example.com');
      t.clock.advance((t.ctx.config.auth.session_lifetime + 1) * 1000);
      try {
        expect((await me(token)).status).toBe(401);
      } finally {
        t.clock.advance(-(t.ctx.config.auth.session_lifetime + 1) * 1000);
      }
    });
  });

  describe('cross-site request forgery', () => {
    it('refuses a cookie-authenticated change from another site, and takes it from the frontend without any token', async () => {
      const session = await loginCookie(t.app, 'alice@example.com');
      const res = await request(t.app).patch('/api/v1/users/me').set(crossSiteHeaders(session)).send({ display_name: 'Mallory' });
      expect(res.status).toBe(403);
      expect(res.body.detail).toBe('CSRF_FAILED');
      // A valid token does not make a cross-site request acceptable: the browser's signals decide.
      const withToken = await request(t.app)
        .patch('/api/v1/users/me')
        .set({ ...crossSiteHeaders(session), [CSRF_HEADER]: session.csrf })
        .send({ display_name: 'Mallory' });
      expect(withToken.status).toBe(403);
      const ok = await request(t.app).patch('/api/v1/users/me').set(sameOriginHeaders(session)).send({ display_name: 'Alice' });
      expect(ok.status).toBe(200);
      expect(ok.body.display_name).toBe('Alice');
    });

    it('without Origin or Sec-Fetch-Site (not a browser), a cookie session needs its own X-CSRF-Token', async () => {
      const session = await loginCookie(t.app, 'alice@example.com');
      const bare = await request(t.app).patch('/api/v1/users/me').set('Cookie', session.cookie).send({ display_name: 'Mallory' });
      expect(bare.status).toBe(403);
      expect(bare.body.detail).toBe('CSRF_FAILED');
      const wrong = await request(t.app)
        .patch('/api/v1/users/me')
        .set('Cookie', session.cookie)
        .set(CSRF_HEADER, 'A'.repeat(session.csrf.length))
        .send({ display_name: 'Mallory' });
      expect(wrong.status).toBe(403);
      const ok = await request(t.app).patch('/api/v1/users/me').set(csrfHeaders(session)).send({ display_name: 'Alice' });
      expect(ok.status).toBe(200);
    });

    it("refuses another session's CSRF token", async () => {
      const first = await loginCookie(t.app, 'alice@example.com');
      const second = await loginCookie(t.app, 'alice@example.com');
      const res = await request(t.app)
        .patch('/api/v1/users/me')
        .set('Cookie', first.cookie)
        .set(CSRF_HEADER, second.csrf)
        .send({ display_name: 'X' });
      expect(res.status).toBe(403);
    });

    it('refuses cross-site login and requests from a foreign Origin', async () => {
      const crossSite = await request(t.app)
        .post('/api/v1/auth/cookie/login')
        .set('Sec-Fetch-Site', 'cross-site')
        .send({ username: 'alice@example.com', password: STRONG_PASSWORD });
      expect(crossSite.status).toBe(403);
      expect(crossSite.body.detail).toBe('CSRF_FAILED');
      const foreign = await request(t.app)
        .post('/api/v1/auth/cookie/login')
        .set('Origin', 'https://evil.example')
        .send({ username: 'alice@example.com', password: STRONG_PASSWORD });
      expect(foreign.status).toBe(403);
      const sameOrigin = await request(t.app)
        .post('/api/v1/auth/cookie/login')
        .set('Origin', 'http://gatehouse.test')
        .set('Sec-Fetch-Site', 'same-origin')
        .send({ username: 'alice@example.com', password: STRONG_PASSWORD });
      expect(sameOrigin.status).toBe(204);
    });

    it('does not need a CSRF token for bearer requests', async () => {
      const token = await loginBearer(t.app, 'alice@example.com');
      const res = await request(t.app).patch('/api/v1/users/me').set('Authorization', `Bearer ${token}`).send({ display_name: 'Alice B' });
      expect(res.status).toBe(200);
    });
  });

  it('keeps the secret and passwords out of the log', () => {
    const log = t.logText();
    expect(log.length).toBeGreaterThan(0);
    expect(log).not.toContain(t.ctx.config.auth.token_secret);
    expect(log).not.toContain(STRONG_PASSWORD);
  });
});

// Sign-in brakes (delays, lock, unlock, 429 + Retry-After): src/rate-limit/brakes.int.test.ts.
