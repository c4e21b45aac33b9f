// API keys through the HTTP API, on PGlite and (npm test) PostgreSQL: made once and shown once,
// stored as a hash, used as a Bearer token, held to the scope each route declares, refused on the
// interactive-only routes, stopped by expiry, revocation (also on another app instance within the
// cache bound), deactivation and demotion, braked when wrong, refused unread when malformed, and
// usable through ForwardAuth only where a rule allows it. No key ever reaches a log or the trail.
// Keys that never expire only where [auth] api_keys_allow_no_expiry, as the metadata says.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { API_PREFIX, FORWARD_COOKIE, SESSION_COOKIE, type ApiKeyScope } from '@gatehouse/shared';
import { createApp } from '../app.js';
import { createServices } from '../services.js';
import { createTestContext, type TestContext } from '../test-support/test-context.js';
import { createUser, csrfHeaders, loginCookie, type CookieSession } from '../test-support/fixtures.js';
import { SIGNED_IN_ROUTES, callRoute } from '../test-support/route-table.js';
import type { User } from '../users/repo.js';

const FORWARD = `${API_PREFIX}/auth/forward`;
const forwardedFor = (host: string) => ({ 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': host, 'X-Forwarded-Uri': '/api/queue' });
const SCOPE_RANK: Record<ApiKeyScope, number> = { read: 0, write: 1, admin: 2 };

describe('API keys', () => {
  let t: TestContext;
  let admin: User;
  let adminSession: CookieSession;
  /** Every key this file was shown: none may reach the log or the audit trail. */
  const shown: string[] = [];

  beforeAll(async () => {
    t = await createTestContext({
      config: {
        auth: {
          session_cache_seconds: 5,
          forward_auth: {
            allowed_hosts: ['*.example.com'],
            rules: [
              { host: 'sonarr.example.com', admin_only: false, groups: [], api_keys: true },
              { host: 'wiki.example.com', admin_only: false, groups: [], api_keys: false },
            ],
          },
          rate_limits: { api_key_failures_per_client: 5 },
        },
      },
    });
    admin = await createUser(t.ctx, { email: 'root@example.com', isSuperuser: true });
    adminSession = await loginCookie(t.app, 'root@example.com');
  });
  afterAll(() => t.close());

  async function createKey(session: CookieSession, body: Record<string, unknown>): Promise<{ key: string; id: string }> {
    const res = await request(t.app).post(`${API_PREFIX}/users/me/api-keys`).set(csrfHeaders(session)).send(body);
    expect(res.status).toBe(201);
    shown.push(res.body.key as string);
    return { key: res.body.key as string, id: res.body.api_key.id as string };
  }
  const asKey = (key: string) => ({ Authorization: `Bearer ${key}` });

  it('is shown once, stored only as a hash, and works as a Bearer token', async () => {
    const { key, id } = await createKey(adminSession, { name: 'backup script', scope: 'read' });
    expect(key).toMatch(/^gh_[a-z2-7]{16}_[A-Za-z0-9_-]{43}$/);
    const row = await t.ctx.db.prisma.apiKey.findUniqueOrThrow({ where: { id } });
    expect(JSON.stringify(row)).not.toContain(key.slice(20));
    expect(row.secretHash).toMatch(/^[0-9a-f]{64}$/);
    const listed = await request(t.app).get(`${API_PREFIX}/users/me/api-keys`).set('Cookie', adminSession.cookie);
    expect(listed.body).toEqual([
      {
        id,
        name: 'backup script',
        scope: 'read',
        prefix: key.slice(0, 19),
        created_at: expect.any(String),
        expires_at: expect.any(String),
        last_used_at: null,
        last_used_ip: null,
      },
    ]);
    expect(JSON.stringify(listed.body)).not.toContain(key);
    // 90 days unless asked otherwise.
    expect(new Date(listed.body[0].expires_at as string).getTime() - t.clock.now().getTime()).toBe(90 * 86_400_000);

    const me = await request(t.app).get(`${API_PREFIX}/users/me`).set(asKey(key));
    expect(me.status).toBe(200);
    expect(me.body.email).toBe('root@example.com');
    const used = await t.ctx.db.prisma.apiKey.findUniqueOrThrow({ where: { id } });
    expect(used.lastUsedAt).not.toBeNull();
    expect(used.lastUsedIp).toBeTruthy();
    // Within a minute, a use is not written again.
    t.services.forgetCachedChecks();
    t.clock.advance(30_000);
    await request(t.app).get(`${API_PREFIX}/users/me`).set(asKey(key));
    expect((await t.ctx.db.prisma.apiKey.findUniqueOrThrow({ where: { id } })).lastUsedAt).toEqual(used.lastUsedAt);
    // Never from a cookie or a query string.
    expect((await request(t.app).get(`${API_PREFIX}/users/me`).set('Cookie', `${SESSION_COOKIE}=${key}`)).status).toBe(401);
    expect((await request(t.app).get(`${API_PREFIX}/users/me?access_token=${key}`)).status).toBe(401);
  });

  it('holds every route to the scope the route table declares, and refuses the interactive-only ones', async () => {
    const keys = {
      read: (await createKey(adminSession, { name: 'r', scope: 'read' })).key,
      write: (await createKey(adminSession, { name: 'w', scope: 'write' })).key,
      admin: (await createKey(adminSession, { name: 'a', scope: 'admin' })).key,
    };
    const interactiveOnly = SIGNED_IN_ROUTES.filter(([, spec]) => spec.apiKey === undefined).map(([name]) => name);
    // The list, at least: keys, email and password (see below), passkeys, second factors.
    expect(interactiveOnly).toEqual(
      expect.arrayContaining([
        'createMyApiKey',
        'listMyApiKeys',
        'revokeMyApiKey',
        'startTotp',
        'addMyPasskey',
        'removeMyPasskey',
        'resetUserSecondFactor',
      ]),
    );
    for (const [name, spec] of SIGNED_IN_ROUTES) {
      // Read keys: GET routes only.
      if (spec.apiKey === 'read') expect({ name, method: spec.method }).toEqual({ name, method: 'get' });
      for (const scope of ['read', 'write', 'admin'] as const) {
        const res = await callRoute(t.app, spec, keys[scope]);
        const expected =
          spec.apiKey === undefined
            ? 'API_KEY_NOT_ALLOWED'
            : SCOPE_RANK[scope] >= SCOPE_RANK[spec.apiKey]
              ? null
              : spec.apiKey === 'admin'
                ? 'API_KEY_SCOPE_ADMIN_REQUIRED'
                : 'API_KEY_SCOPE_WRITE_REQUIRED';
        if (expected === null) {
          expect({ name, scope, detail: String(res.body?.detail).startsWith('API_KEY_') ? res.body.detail : null }).toEqual({
            name,
            scope,
            detail: null,
          });
          expect(res.status).not.toBe(401);
        } else {
          expect({ name, scope, status: res.status, detail: res.body.detail }).toEqual({ name, scope, status: 403, detail: expected });
        }
      }
    }
    // A write key renames its owner but never changes the email or password.
    const renamed = await request(t.app).patch(`${API_PREFIX}/users/me`).set(asKey(keys.write)).send({ display_name: 'Root' });
    expect(renamed.status).toBe(200);
    for (const change of [
      { email: 'evil@example.com', current_password: 'x' },
      { password: 'a whole new passphrase', current_password: 'x' },
    ]) {
      const res = await request(t.app).patch(`${API_PREFIX}/users/me`).set(asKey(keys.admin)).send(change);
      expect(res.body.detail).toBe('API_KEY_NOT_ALLOWED');
    }
    expect((await t.ctx.db.prisma.user.findUniqueOrThrow({ where: { id: admin.id } })).email).toBe('root@example.com');
  });

  it('is made by a person signed in, never by an account awaiting approval; admin keys only by administrators', async () => {
    await createUser(t.ctx, { email: 'pat@example.com', isVerified: false });
    const pending = await loginCookie(t.app, 'pat@example.com');
    const refused = await request(t.app).post(`${API_PREFIX}/users/me/api-keys`).set(csrfHeaders(pending)).send({ name: 'x', scope: 'read' });
    expect(refused.body.detail).toBe('ACCOUNT_PENDING_APPROVAL');
    await createUser(t.ctx, { email: 'max@example.com' });
    const max = await loginCookie(t.app, 'max@example.com');
    const notAdmin = await request(t.app).post(`${API_PREFIX}/users/me/api-keys`).set(csrfHeaders(max)).send({ name: 'x', scope: 'admin' });
    expect(notAdmin.status).toBe(403);
    const forever = await request(t.app)
      .post(`${API_PREFIX}/users/me/api-keys`)
      .set(csrfHeaders(max))
      .send({ name: 'x', scope: 'read', expires_in_days: null });
    expect(forever.status).toBe(422);
    const tooLong = await request(t.app)
      .post(`${API_PREFIX}/users/me/api-keys`)
      .set(csrfHeaders(max))
      .send({ name: 'x', scope: 'read', expires_in_days: 366 });
    expect(tooLong.status).toBe(422);
    expect(await t.ctx.db.prisma.apiKey.count({ where: { user: { email: { in: ['pat@example.com', 'max@example.com'] } } } })).toBe(0);
    // The metadata tells the web UI not to offer "Never" here.
    const metadata = await request(t.app).get(`${API_PREFIX}/auth/metadata`);
    expect(metadata.body.api_keys_allow_no_expiry).toBe(false);
  });

  it('stops at its expiry, at revocation, when its owner is deactivated, and (admin keys) demoted', async () => {
    const ida = await createUser(t.ctx, { email: 'ida@example.com', isSuperuser: true });
    const ida_ = await loginCookie(t.app, 'ida@example.com');
    const short = await createKey(ida_, { name: 'one day', scope: 'read', expires_in_days: 1 });
    const adminKey = await createKey(ida_, { name: 'admin', scope: 'admin' });
    const writeKey = await createKey(ida_, { name: 'write', scope: 'write' });
    const revoked = await createKey(ida_, { name: 'revoked', scope: 'read' });
    const me = (key: string) => request(t.app).get(`${API_PREFIX}/users/me`).set(asKey(key));
    expect((await me(short.key)).status).toBe(200);

    expect((await request(t.app).delete(`${API_PREFIX}/users/me/api-keys/${revoked.id}`).set(csrfHeaders(ida_))).status).toBe(204);
    expect((await me(revoked.key)).status).toBe(401);

    t.clock.advance(86_400_000 + 1000);
    expect((await me(short.key)).status).toBe(401);
    const expiredEvent = await t.ctx.db.prisma.auditEvent.findFirstOrThrow({ where: { type: 'api_key.expired_refused', userId: ida.id } });
    expect(expiredEvent.details).toMatchObject({ prefix: short.key.slice(0, 19) });

    // Demoted (by another admin): the admin key stops, the write key goes on.
    expect((await me(adminKey.key)).status).toBe(200);
    adminSession = await loginCookie(t.app, 'root@example.com');
    await request(t.app).patch(`${API_PREFIX}/users/${ida.id}`).set(csrfHeaders(adminSession)).send({ is_superuser: false });
    expect((await me(adminKey.key)).status).toBe(401);
    expect((await me(writeKey.key)).status).toBe(200);
    await request(t.app).patch(`${API_PREFIX}/users/${ida.id}`).set(csrfHeaders(adminSession)).send({ is_active: false });
    expect((await me(writeKey.key)).status).toBe(401);
  });

  it('stops on another app instance within the cache bound after a revocation there', async () => {
    await createUser(t.ctx, { email: 'joe@example.com' });
    const joe = await loginCookie(t.app, 'joe@example.com');
    const { key, id } = await createKey(joe, { name: 'cron', scope: 'read' });
    const other = createApp(t.ctx, createServices(t.ctx));
    const onOther = () => request(other).get(`${API_PREFIX}/users/me`).set(asKey(key));
    expect((await onOther()).status).toBe(200);
    expect((await request(t.app).delete(`${API_PREFIX}/users/me/api-keys/${id}`).set(csrfHeaders(joe))).status).toBe(204);
    // Here at once; there within auth.session_cache_seconds (5 s in this file).
    expect((await request(t.app).get(`${API_PREFIX}/users/me`).set(asKey(key))).status).toBe(401);
    t.clock.advance(t.ctx.config.auth.session_cache_seconds * 1000);
    expect((await onOther()).status).toBe(401);
    const revokedEvent = await t.ctx.db.prisma.auditEvent.findFirstOrThrow({ where: { type: 'api_key.revoked', userEmail: 'joe@example.com' } });
    expect(revokedEvent.details).toMatchObject({ prefix: key.slice(0, 19), name: 'cron' });
  });

  it('passes ForwardAuth as its owner where a rule says api_keys, and nowhere else; other Authorization headers are the app’s', async () => {
    await createUser(t.ctx, { email: 'kim@example.com' });
    const kim = await loginCookie(t.app, 'kim@example.com');
    const { key } = await createKey(kim, { name: 'sonarr client', scope: 'read' });
    const allowed = await request(t.app).get(FORWARD).set(forwardedFor('sonarr.example.com')).set(asKey(key));
    expect(allowed.status).toBe(200);
    expect(allowed.headers['remote-email']).toBe('');
    expect(allowed.headers['remote-user']).toMatch(/^gatehouse:/);
    const refused = await request(t.app).get(FORWARD).set(forwardedFor('wiki.example.com')).set(asKey(key)).set('Accept', 'application/json');
    expect(refused.status).toBe(401);
    // The protected app's own token (or Basic credentials) is ignored: the ForwardAuth cookie decides.
    for (const foreign of ['Bearer eyJhbGciOiJIUzI1NiJ9.e30.x', 'Basic a2ltOnB3', 'MediaBrowser Token="abc"']) {
      const passes = await request(t.app)
        .get(FORWARD)
        .set(forwardedFor('sonarr.example.com'))
        .set('Authorization', foreign)
        .set('Cookie', kim.forwardCookie);
      expect({ foreign, status: passes.status }).toEqual({ foreign, status: 200 });
    }
    const noCookie = await request(t.app)
      .get(FORWARD)
      .set(forwardedFor('sonarr.example.com'))
      .set('Authorization', 'Basic a2ltOnB3')
      .set('Accept', 'application/json');
    expect(noCookie.status).toBe(401);
    expect(kim.cookie).toContain(SESSION_COOKIE);
    expect(kim.forwardCookie).toContain(FORWARD_COOKIE);
  });

  it('brakes wrong keys per client', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i += 1) {
      const wrong = `gh_${'a'.repeat(15)}${String.fromCharCode(98 + i)}_${'A'.repeat(43)}`;
      statuses.push((await request(t.app).get(`${API_PREFIX}/users/me`).set('X-Forwarded-For', '198.51.100.9').set(asKey(wrong))).status);
    }
    expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
    expect(statuses).toContain(429);
    // Another client is not held back.
    expect((await request(t.app).get(`${API_PREFIX}/users/me`).set('X-Forwarded-For', '198.51.100.10').set(asKey(shown[0]!))).status).toBe(200);
  });

  it('never writes a key to the log or the audit trail', async () => {
    expect(shown.length).toBeGreaterThan(8);
    const log = t.logText();
    const trail = JSON.stringify(await t.ctx.db.prisma.auditEvent.findMany({ omit: { id: true } }));
    for (const key of shown) {
      expect(log).not.toContain(key);
      expect(log).not.toContain(key.slice(20));
      expect(trail).not.toContain(key.slice(20));
    }
    expect(trail).toContain('api_key.created');
  });
});

describe('an API key that never expires', () => {
  it('is made where [auth] api_keys_allow_no_expiry is true, and the metadata says so', async () => {
    const t = await createTestContext({ config: { auth: { api_keys_allow_no_expiry: true } } });
    try {
      const metadata = await request(t.app).get(`${API_PREFIX}/auth/metadata`);
      expect(metadata.body.api_keys_allow_no_expiry).toBe(true);
      await createUser(t.ctx, { email: 'nia@example.com' });
      const nia = await loginCookie(t.app, 'nia@example.com');
      const created = await request(t.app)
        .post(`${API_PREFIX}/users/me/api-keys`)
        .set(csrfHeaders(nia))
        .send({ name: 'media server', scope: 'read', expires_in_days: null });
      expect(created.status).toBe(201);
      expect(created.body.api_key.expires_at).toBeNull();
      const listed = await request(t.app).get(`${API_PREFIX}/users/me/api-keys`).set(csrfHeaders(nia));
      expect(listed.body).toEqual([expect.objectContaining({ name: 'media server', expires_at: null })]);
      // Years later it still works.
      t.clock.advance(10 * 365 * 86_400_000);
      const me = await request(t.app)
        .get(`${API_PREFIX}/users/me`)
        .set('Authorization', `Bearer ${created.body.key as string}`);
      expect(me.status).toBe(200);
    } finally {
      await t.close();
    }
  });
});

describe('a malformed API key', () => {
  it('is refused before any database work', async () => {
    const t = await createTestContext();
    await t.close();
    // The database is closed: any query would fail (a 500 or 503), so a 401 proves none was made.
    for (const malformed of ['gh_', 'gh_short_secret', `gh_${'A'.repeat(16)}_${'a'.repeat(43)}`, `gh_${'a'.repeat(16)}_${'a'.repeat(42)}!`]) {
      const res = await request(t.app).get(`${API_PREFIX}/users/me`).set('Authorization', `Bearer ${malformed}`);
      expect({ malformed, status: res.status }).toEqual({ malformed, status: 401 });
    }
  });
});
