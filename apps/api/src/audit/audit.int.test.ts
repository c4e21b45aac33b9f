// The audit trail: an event for each action the issue lists, written at the service layer, read
// back through the admin-only GET /audit with its filters and cursor paging; no secret ever in a
// row; pruning after [audit] retention_days, driven by the test clock.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { API_PREFIX, CSRF_HEADER, type AuditEvent } from '@gatehouse/shared';
import { createTestContext, type TestContext } from '../test-support/test-context.js';
import { STRONG_PASSWORD, createUser, loginBearer } from '../test-support/fixtures.js';
import { startTestIdp, type TestIdp } from '../test-support/oidc-test-idp.js';
import { GATEHOUSE_ORIGIN, buildOidcProviderConfig, callbackUri, newBrowser, signInThrough } from '../test-support/oidc-fixtures.js';
import { scrubDetails } from './service.js';

const NEW_PASSWORD = 'a fresh audit passphrase';
const CLIENT_SECRET = 'audit-client-secret-value';
const DAY_MS = 24 * 60 * 60 * 1000;

describe('audit trail', () => {
  let t: TestContext;
  let idp: TestIdp;
  let adminToken: string;
  let adminId: string;
  const resetTokens: string[] = [];
  const bearerTokens: string[] = [];

  const asAdmin = (req: request.Test) => req.set('Authorization', `Bearer ${adminToken}`);
  const audit = (query = '') => asAdmin(request(t.app).get(`${API_PREFIX}/audit${query}`));
  async function eventsOf(type: string, userId?: string): Promise<AuditEvent[]> {
    const res = await audit(`?type=${type}${userId ? `&user=${userId}` : ''}&limit=200`);
    expect(res.status).toBe(200);
    return res.body.events as AuditEvent[];
  }

  beforeAll(async () => {
    idp = await startTestIdp([
      {
        client_id: 'audit-client',
        client_secret: CLIENT_SECRET,
        redirect_uris: [callbackUri('AuditIdP')],
        post_logout_redirect_uris: [`${GATEHOUSE_ORIGIN}/login`],
      },
    ]);
    t = await createTestContext({
      config: {
        auth: {
          openid_connect: [
            buildOidcProviderConfig({
              name: 'AuditIdP',
              client_id: 'audit-client',
              client_secret: CLIENT_SECRET,
              configuration_endpoint: idp.issuer,
            }),
          ],
        },
      },
    });
    const admin = await createUser(t.ctx, { email: 'admin@example.com', isSuperuser: true });
    adminId = admin.id;
    adminToken = await loginBearer(t.app, 'admin@example.com');
    bearerTokens.push(adminToken);
  });
  afterAll(async () => {
    await t.close();
    await idp.close();
  });

  it('records password sign-in success and failure, with method and reason', async () => {
    const alice = await createUser(t.ctx, { email: 'alice@example.com' });
    bearerTokens.push(await loginBearer(t.app, 'alice@example.com'));
    await request(t.app).post(`${API_PREFIX}/auth/jwt/login`).type('form').send({ username: 'alice@example.com', password: 'wrong password 1' });
    await request(t.app).post(`${API_PREFIX}/auth/jwt/login`).type('form').send({ username: 'nobody@example.com', password: 'wrong password 2' });

    const [success] = await eventsOf('sign_in.succeeded', alice.id);
    expect(success).toMatchObject({ actor_type: 'user', actor_id: alice.id, user_id: alice.id, method: 'password', provider: null });
    const failures = await eventsOf('sign_in.failed');
    expect(failures.find((e) => e.user_id === alice.id)).toMatchObject({
      actor_type: 'anonymous',
      method: 'password',
      details: { reason: 'wrong_password' },
    });
    expect(failures.find((e) => e.user_email === 'nobody@example.com')).toMatchObject({ user_id: null, details: { reason: 'unknown_email' } });
  });

  it('records sign-out, password and email changes, session revocation and a reset by link', async () => {
    const bob = await createUser(t.ctx, { email: 'bob@example.com' });
    const token = await loginBearer(t.app, 'bob@example.com');
    const other = await loginBearer(t.app, 'bob@example.com');
    bearerTokens.push(token, other);
    const auth = { Authorization: `Bearer ${token}` };
    await request(t.app).patch(`${API_PREFIX}/users/me`).set(auth).send({ password: NEW_PASSWORD, current_password: STRONG_PASSWORD }).expect(200);
    await request(t.app).patch(`${API_PREFIX}/users/me`).set(auth).send({ email: 'bobby@example.com', current_password: NEW_PASSWORD }).expect(200);
    const third = await loginBearer(t.app, 'bobby@example.com', NEW_PASSWORD);
    bearerTokens.push(third);
    const sessions = await request(t.app).get(`${API_PREFIX}/users/me/sessions`).set(auth);
    const otherSession = (sessions.body as Array<{ id: string; is_current: boolean }>).find((s) => !s.is_current)!;
    await request(t.app).delete(`${API_PREFIX}/users/me/sessions/${otherSession.id}`).set(auth).expect(204);
    await request(t.app).post(`${API_PREFIX}/auth/jwt/logout`).set(auth).expect(204);

    const link = await t.services.tokens.issue(bob.id, 'reset', 3600);
    const resetToken = new URL(link.url).searchParams.get('token')!;
    resetTokens.push(resetToken);
    await request(t.app).post(`${API_PREFIX}/auth/reset-password`).send({ token: resetToken, password: STRONG_PASSWORD }).expect(204);

    expect(await eventsOf('password.changed', bob.id)).toHaveLength(1);
    expect((await eventsOf('email.changed', bob.id))[0]).toMatchObject({
      actor_id: bob.id,
      details: { from: 'bob@example.com', to: 'bobby@example.com' },
    });
    expect((await eventsOf('session.revoked', bob.id))[0]!.details).toEqual({ session_id: otherSession.id });
    expect(await eventsOf('sign_out', bob.id)).toHaveLength(1);
    expect((await eventsOf('password.reset', bob.id))[0]).toMatchObject({ user_email: 'bobby@example.com', details: { link: 'reset' } });
  });

  it('records every admin action: who, on whom, what', async () => {
    const create = await asAdmin(request(t.app).post(`${API_PREFIX}/users`)).send({ email: 'carol@example.com' });
    expect(create.status).toBe(201);
    const carolId = create.body.user.id as string;
    resetTokens.push(new URL(create.body.setup_url as string).searchParams.get('token')!);
    await asAdmin(request(t.app).patch(`${API_PREFIX}/users/${carolId}`))
      .send({ is_superuser: true })
      .expect(200);
    await asAdmin(request(t.app).patch(`${API_PREFIX}/users/${carolId}`))
      .send({ is_superuser: false, password: NEW_PASSWORD })
      .expect(200);
    const refused = await asAdmin(request(t.app).patch(`${API_PREFIX}/users/${adminId}`)).send({ is_active: false });
    expect(refused.status).toBe(409);
    const reset = await asAdmin(request(t.app).post(`${API_PREFIX}/users/${carolId}/password-reset`));
    resetTokens.push(new URL(reset.body.reset_url as string).searchParams.get('token')!);
    await asAdmin(request(t.app).delete(`${API_PREFIX}/users/${carolId}`)).expect(204);

    const who = { actor_type: 'user', actor_id: adminId, actor_email: 'admin@example.com', user_id: carolId, user_email: 'carol@example.com' };
    expect((await eventsOf('admin.user_created', carolId))[0]).toMatchObject({ ...who, details: { is_superuser: false, setup_link_issued: true } });
    const updates = await eventsOf('admin.user_updated', carolId);
    expect(updates.map((e) => e.details)).toEqual([
      { is_superuser: false, fields: ['is_superuser', 'password'] },
      { is_superuser: true, fields: ['is_superuser'] },
    ]);
    expect(updates[0]).toMatchObject(who);
    // A refused action changed nothing and is not recorded as done.
    expect((await eventsOf('admin.user_updated', adminId)).filter((e) => e.user_id === adminId)).toEqual([]);
    expect((await eventsOf('admin.reset_link_issued', carolId))[0]).toMatchObject({ ...who, details: { emailed: false } });
    expect((await eventsOf('admin.user_deleted', carolId))[0]).toMatchObject(who);
  });

  it('records OIDC sign-in (method oidc and provider), its failures, account linking and unlinking', async () => {
    // Linking by email needs a proven address (an account an administrator created is one).
    const dora = await createUser(t.ctx, { email: 'dora@example.com', emailVerifiedAt: new Date() });
    idp.setAccount('dora-sub', { email: 'dora@example.com', email_verified: true });
    const browser = newBrowser(t);
    idp.loginAs('dora-sub');
    await signInThrough(browser, 'AuditIdP');
    const refusedBrowser = newBrowser(t);
    idp.refuseNextLogin();
    await signInThrough(refusedBrowser, 'AuditIdP');

    expect((await eventsOf('account.linked', dora.id))[0]).toMatchObject({
      provider: 'AuditIdP',
      details: { issuer: idp.issuer, by: 'verified_email' },
    });
    expect((await eventsOf('sign_in.succeeded', dora.id))[0]).toMatchObject({ method: 'oidc', provider: 'AuditIdP', actor_id: dora.id });
    const failures = (await eventsOf('sign_in.failed')).filter((e) => e.method === 'oidc');
    expect(failures[0]).toMatchObject({ provider: 'AuditIdP', actor_type: 'anonymous', details: { reason: 'OIDC_ACCESS_DENIED' } });

    const links = await request(t.app).get(`${API_PREFIX}/users/me/linked-accounts`).set('Cookie', browser.gatehouseCookieHeader());
    const csrf = browser.gatehouseCookieHeader().match(/gatehouse_csrf=([^;]+)/)![1]!;
    await request(t.app)
      .delete(`${API_PREFIX}/users/me/linked-accounts/${links.body[0].id}`)
      .set('Cookie', browser.gatehouseCookieHeader())
      .set(CSRF_HEADER, decodeURIComponent(csrf))
      .expect(204);
    expect((await eventsOf('account.unlinked', dora.id))[0]).toMatchObject({ provider: 'AuditIdP', actor_id: dora.id });
  });

  it('never stores a password, token or secret', async () => {
    const rows = await t.ctx.db.prisma.auditEvent.findMany();
    expect(rows.length).toBeGreaterThan(15);
    const text = JSON.stringify(rows, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
    const secrets = [
      STRONG_PASSWORD,
      NEW_PASSWORD,
      'wrong password 1',
      'wrong password 2',
      CLIENT_SECRET,
      t.ctx.config.auth.token_secret,
      ...resetTokens,
      ...bearerTokens,
    ];
    for (const secret of secrets) expect(text).not.toContain(secret);
    // The filter itself: credential-shaped keys are dropped wherever they are nested.
    expect(scrubDetails({ ok: 1, password: 'x', nested: { client_secret: 'y', access_token: 'z', fine: 'kept' } })).toEqual({
      ok: 1,
      nested: { fine: 'kept' },
    });
  });

  describe('GET /audit', () => {
    it('is for administrators only', async () => {
      expect((await request(t.app).get(`${API_PREFIX}/audit`)).status).toBe(401);
      await createUser(t.ctx, { email: 'eve@example.com' });
      const eve = await loginBearer(t.app, 'eve@example.com');
      const res = await request(t.app).get(`${API_PREFIX}/audit`).set('Authorization', `Bearer ${eve}`);
      expect(res.status).toBe(403);
      expect(res.body.detail).toBe('FORBIDDEN');
    });

    it('pages newest first with the before cursor, through every event exactly once', async () => {
      const all = (await audit('?limit=200')).body as { events: AuditEvent[]; next_before: string | null };
      expect(all.next_before).toBeNull();
      const seen: string[] = [];
      let cursor: string | null = '';
      let pages = 0;
      while (cursor !== null) {
        const res = await audit(`?limit=7${cursor ? `&before=${cursor}` : ''}`);
        expect(res.status).toBe(200);
        expect(res.body.events.length).toBeLessThanOrEqual(7);
        seen.push(...(res.body.events as AuditEvent[]).map((e) => e.id));
        cursor = res.body.next_before as string | null;
        pages += 1;
      }
      expect(pages).toBeGreaterThan(2);
      expect(seen).toEqual(all.events.map((e) => e.id));
      const ids = seen.map(BigInt);
      expect(ids).toEqual([...ids].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0)));
    });

    it('filters by user (as actor or subject) and by type', async () => {
      const byAdmin = (await audit(`?user=${adminId}&limit=200`)).body.events as AuditEvent[];
      expect(byAdmin.length).toBeGreaterThan(3);
      expect(byAdmin.every((e) => e.actor_id === adminId || e.user_id === adminId)).toBe(true);
      expect(byAdmin.some((e) => e.actor_id === adminId && e.user_id !== adminId)).toBe(true);
      const failed = (await audit('?type=sign_in.failed&limit=200')).body.events as AuditEvent[];
      expect(failed.length).toBeGreaterThan(1);
      expect(failed.every((e) => e.type === 'sign_in.failed')).toBe(true);
    });

    it.each([
      ['?user=not-a-uuid', 'user'],
      ['?type=sign_in.bogus', 'type'],
      ['?before=abc', 'before'],
      ['?before=-5', 'before'],
      ['?limit=0', 'limit'],
      ['?limit=1000', 'limit'],
      ['?type=sign_out&type=sign_in.failed', 'type'],
    ])('refuses %s with 422 naming the parameter', async (query, name) => {
      const res = await audit(query);
      expect(res.status).toBe(422);
      expect(res.body.detail).toBe('VALIDATION_ERROR');
      expect(res.body.message).toContain(`"${name}"`);
    });
  });

  it('prunes events older than retention_days, and only those', async () => {
    const log = t.services.audit;
    const before = await t.ctx.db.prisma.auditEvent.count();
    t.clock.advance(60 * DAY_MS);
    await log.record({ type: 'admin.user_unlocked', actor: { type: 'cli' }, user: { id: null, email: 'later@example.com' } });
    t.clock.advance(31 * DAY_MS); // the earlier events are now 91 days old, the new one 31
    expect(await log.prune()).toBe(before);
    const left = await t.ctx.db.prisma.auditEvent.findMany();
    expect(left.map((e) => e.userEmail)).toEqual(['later@example.com']);
    t.clock.advance(60 * DAY_MS);
    expect(await log.prune()).toBe(1);
  });
});
