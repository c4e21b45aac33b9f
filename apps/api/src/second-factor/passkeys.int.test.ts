// Passkeys through the HTTP API with a software authenticator (real ES256 keys, real WebAuthn
// bytes), on PGlite and (npm test) PostgreSQL: adding one, signing in with it without an email,
// as the second step of a password sign-in, and every refusal an attacker could try — wrong
// origin, wrong RP ID, a replayed challenge, a counter going backwards, an unknown passkey, no user
// verification, a challenge issued for something else — each with nothing changed.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { API_PREFIX, SECOND_FACTOR_COOKIE, SESSION_COOKIE } from '@gatehouse/shared';
import { createTestContext, type TestContext } from '../test-support/test-context.js';
import { STRONG_PASSWORD, createUser, csrfHeaders, loginBearer, loginCookie, readSetCookies, type CookieSession } from '../test-support/fixtures.js';
import { SoftAuthenticator } from '../test-support/soft-authenticator.js';

const ORIGIN = 'https://gatehouse.test';

describe('passkeys', () => {
  let t: TestContext;

  beforeAll(async () => {
    t = await createTestContext({ config: { misc: { frontend_url: ORIGIN } } });
    await createUser(t.ctx, { email: 'root@example.com', isSuperuser: true });
  });
  afterAll(() => t.close());

  /** Adds a passkey through the account page's two calls; returns its id in the API. */
  async function addPasskey(session: CookieSession, authenticator: SoftAuthenticator, name = 'Laptop'): Promise<string> {
    const options = await request(t.app).post(`${API_PREFIX}/users/me/passkeys/options`).set(csrfHeaders(session));
    expect(options.status).toBe(200);
    expect(options.body).toMatchObject({
      rp: { id: 'gatehouse.test' },
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    });
    const added = await request(t.app)
      .post(`${API_PREFIX}/users/me/passkeys`)
      .set(csrfHeaders(session))
      .send({ name, response: authenticator.create(options.body) });
    expect(added.status).toBe(201);
    return added.body.id as string;
  }

  const signInOptions = async () => (await request(t.app).post(`${API_PREFIX}/auth/passkey/options`)).body;
  const passkeyLogin = (response: unknown) => request(t.app).post(`${API_PREFIX}/auth/passkey/login`).send({ response });

  it('is added on the account, then signs in without an email, as two factors', async () => {
    const user = await createUser(t.ctx, { email: 'ann@example.com' });
    const session = await loginCookie(t.app, 'ann@example.com');
    const authenticator = new SoftAuthenticator(ORIGIN);
    expect((await request(t.app).get(`${API_PREFIX}/auth/metadata`)).body.passkeys_enabled).toBe(true);
    await addPasskey(session, authenticator, 'MacBook');
    const list = await request(t.app).get(`${API_PREFIX}/users/me/passkeys`).set('Cookie', session.cookie);
    expect(list.body).toEqual([{ id: expect.any(String), name: 'MacBook', created_at: expect.any(String), last_used_at: null, backed_up: false }]);
    expect((await t.ctx.db.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).secondFactorEnrolled).toBe(true);

    const options = await signInOptions();
    expect(options.allowCredentials).toEqual([]);
    expect(options.userVerification).toBe('required');
    const res = await passkeyLogin(authenticator.get(options));
    expect(res.status).toBe(204);
    const token = readSetCookies(res)[SESSION_COOKIE];
    const me = await request(t.app).get(`${API_PREFIX}/users/me`).set('Cookie', `${SESSION_COOKIE}=${token}`);
    expect(me.body.email).toBe('ann@example.com');
    const stored = await t.ctx.db.prisma.passkey.findFirstOrThrow({ where: { userId: user.id } });
    expect(stored.counter).toBe(1n);
    expect(stored.lastUsedAt).not.toBeNull();
    expect((await t.ctx.db.prisma.session.findFirstOrThrow({ where: { userId: user.id, authMethod: 'passkey' } })).transport).toBe('cookie');
    const event = await t.ctx.db.prisma.auditEvent.findFirstOrThrow({ where: { userId: user.id, type: 'sign_in.succeeded', method: 'passkey' } });
    expect(event.ipAddress).not.toBeUndefined();
  });

  it('refuses every forged or replayed answer, with nothing changed', async () => {
    const user = await createUser(t.ctx, { email: 'bob@example.com' });
    const session = await loginCookie(t.app, 'bob@example.com');
    const authenticator = new SoftAuthenticator(ORIGIN);
    await addPasskey(session, authenticator);
    // One good use, so the counter is 1 and a replayed answer exists.
    const firstOptions = await signInOptions();
    const good = authenticator.get(firstOptions);
    expect((await passkeyLogin(good)).status).toBe(204);

    const sessionsBefore = await t.ctx.db.prisma.session.count({ where: { userId: user.id } });
    const passkeyBefore = await t.ctx.db.prisma.passkey.findFirstOrThrow({ where: { userId: user.id } });
    const stranger = new SoftAuthenticator(ORIGIN);
    stranger.create({ challenge: 'x', rp: { id: 'gatehouse.test' }, user: { id: 'AAAA' } });
    const registration = await request(t.app).post(`${API_PREFIX}/users/me/passkeys/options`).set(csrfHeaders(session));
    const attempts: [string, () => Promise<unknown>][] = [
      ['wrong origin', async () => authenticator.get(await signInOptions(), { origin: 'https://evil.test' })],
      ['wrong RP ID', async () => authenticator.get(await signInOptions(), { rpId: 'evil.test' })],
      ['replayed challenge', async () => good],
      ['counter going backwards', async () => authenticator.get(await signInOptions(), { counter: 1 })],
      ['unknown passkey', async () => stranger.get(await signInOptions())],
      ['no user verification', async () => authenticator.get(await signInOptions(), { userVerified: false })],
      ['a registration challenge', async () => authenticator.get({ challenge: registration.body.challenge as string })],
      ['a made-up challenge', async () => authenticator.get({ challenge: 'bm90LWlzc3VlZA' })],
    ];
    for (const [what, answer] of attempts) {
      const res = await passkeyLogin(await answer());
      expect({ what, status: res.status, detail: res.body.detail }).toEqual({ what, status: 400, detail: 'PASSKEY_INVALID' });
      expect(readSetCookies(res)[SESSION_COOKIE]).toBeUndefined();
    }
    expect(await t.ctx.db.prisma.session.count({ where: { userId: user.id } })).toBe(sessionsBefore);
    const passkeyAfter = await t.ctx.db.prisma.passkey.findFirstOrThrow({ where: { userId: user.id } });
    expect(passkeyAfter.counter).toBe(passkeyBefore.counter);
    expect(passkeyAfter.lastUsedAt).toEqual(passkeyBefore.lastUsedAt);
    expect(t.logText()).toContain('may have been cloned');
    // Each was refused for its own reason (the log says which check failed).
    const reasons = t
      .logLines()
      .filter((line) => line.code === 'PASSKEY_INVALID')
      .map((line) => String(line.msg))
      .slice(-attempts.length);
    expect(reasons).toEqual([
      expect.stringMatching(/origin "https:\/\/evil\.test"/),
      expect.stringMatching(/RP ID/),
      expect.stringMatching(/already used challenge/),
      expect.stringMatching(/counter value/),
      expect.stringMatching(/does not know/),
      expect.stringMatching(/User verification required/),
      expect.stringMatching(/issued for something else/),
      expect.stringMatching(/unknown, expired or already used challenge/),
    ]);
    // The brakes count them: failed sign-ins are audited.
    expect(await t.ctx.db.prisma.auditEvent.count({ where: { type: 'sign_in.failed', method: 'passkey' } })).toBeGreaterThanOrEqual(attempts.length);
    // And the real passkey still works.
    expect((await passkeyLogin(authenticator.get(await signInOptions()))).status).toBe(204);
  });

  it('registers a credential id once, across accounts', async () => {
    await createUser(t.ctx, { email: 'cat@example.com' });
    await createUser(t.ctx, { email: 'dan@example.com' });
    const cat = new SoftAuthenticator(ORIGIN);
    await addPasskey(await loginCookie(t.app, 'cat@example.com'), cat);
    const catCredential = (await t.ctx.db.prisma.passkey.findFirstOrThrow({ where: { user: { email: 'cat@example.com' } } })).credentialId;
    const dan = await loginCookie(t.app, 'dan@example.com');
    const options = await request(t.app).post(`${API_PREFIX}/users/me/passkeys/options`).set(csrfHeaders(dan));
    const copy = new SoftAuthenticator(ORIGIN).create(options.body, { credentialId: catCredential });
    const res = await request(t.app).post(`${API_PREFIX}/users/me/passkeys`).set(csrfHeaders(dan)).send({ name: 'Copy', response: copy });
    expect(res.status).toBe(409);
    expect(res.body.detail).toBe('PASSKEY_ALREADY_REGISTERED');
    expect(await t.ctx.db.prisma.passkey.count({ where: { user: { email: 'dan@example.com' } } })).toBe(0);
  });

  it('is asked for after the password, as a second factor, bound to that pending sign-in', async () => {
    await createUser(t.ctx, { email: 'eva@example.com' });
    const authenticator = new SoftAuthenticator(ORIGIN);
    await addPasskey(await loginCookie(t.app, 'eva@example.com'), authenticator);
    const first = await request(t.app).post(`${API_PREFIX}/auth/cookie/login`).send({ username: 'eva@example.com', password: STRONG_PASSWORD });
    expect(first.status).toBe(401);
    expect(first.body.second_factor.methods).toEqual(['webauthn']);
    const pending = `${SECOND_FACTOR_COOKIE}=${readSetCookies(first)[SECOND_FACTOR_COOKIE]}`;
    const options = await request(t.app).post(`${API_PREFIX}/auth/cookie/login/second-factor/options`).set('Cookie', pending);
    expect(options.status).toBe(200);
    expect(options.body.allowCredentials).toHaveLength(1);
    // A discoverable sign-in's challenge does not complete a pending sign-in.
    const wrongPurpose = authenticator.get(await signInOptions());
    const refused = await request(t.app)
      .post(`${API_PREFIX}/auth/cookie/login/second-factor`)
      .set('Cookie', pending)
      .send({ webauthn: wrongPurpose });
    expect(refused.body.detail).toBe('SECOND_FACTOR_INVALID');
    const done = await request(t.app)
      .post(`${API_PREFIX}/auth/cookie/login/second-factor`)
      .set('Cookie', pending)
      .send({ webauthn: authenticator.get(options.body) });
    expect(done.status).toBe(204);
    expect(readSetCookies(done)[SESSION_COOKIE]).toBeTruthy();
  });

  it('is renamed by its owner only, removed only with a recent sign-in, and reset by an administrator', async () => {
    const fay = await createUser(t.ctx, { email: 'fay@example.com' });
    await createUser(t.ctx, { email: 'gil@example.com' });
    const session = await loginCookie(t.app, 'fay@example.com');
    const authenticator = new SoftAuthenticator(ORIGIN);
    const id = await addPasskey(session, authenticator);
    const gil = await loginCookie(t.app, 'gil@example.com');
    expect((await request(t.app).patch(`${API_PREFIX}/users/me/passkeys/${id}`).set(csrfHeaders(gil)).send({ name: 'Mine now' })).status).toBe(404);
    expect((await request(t.app).delete(`${API_PREFIX}/users/me/passkeys/${id}`).set(csrfHeaders(gil))).status).toBe(404);
    const renamed = await request(t.app).patch(`${API_PREFIX}/users/me/passkeys/${id}`).set(csrfHeaders(session)).send({ name: 'Phone' });
    expect(renamed.body.name).toBe('Phone');

    t.clock.advance((t.ctx.config.auth.reauthentication_window + 1) * 1000);
    const stale = await request(t.app).delete(`${API_PREFIX}/users/me/passkeys/${id}`).set(csrfHeaders(session));
    expect(stale.body.detail).toBe('REAUTHENTICATION_REQUIRED');
    const staleAdd = await request(t.app).post(`${API_PREFIX}/users/me/passkeys/options`).set(csrfHeaders(session));
    expect(staleAdd.body.detail).toBe('REAUTHENTICATION_REQUIRED');

    const adminToken = await loginBearer(t.app, 'root@example.com');
    expect((await request(t.app).delete(`${API_PREFIX}/users/${fay.id}/second-factor`).set('Authorization', `Bearer ${adminToken}`)).status).toBe(
      204,
    );
    expect(await t.ctx.db.prisma.passkey.count({ where: { userId: fay.id } })).toBe(0);
    expect((await passkeyLogin(authenticator.get(await signInOptions()))).body.detail).toBe('PASSKEY_INVALID');
    expect(
      (await request(t.app).post(`${API_PREFIX}/auth/jwt/login`).type('form').send({ username: 'fay@example.com', password: STRONG_PASSWORD }))
        .status,
    ).toBe(200);
  });

  it('stops working for a deactivated account', async () => {
    const hal = await createUser(t.ctx, { email: 'hal@example.com' });
    const authenticator = new SoftAuthenticator(ORIGIN);
    await addPasskey(await loginCookie(t.app, 'hal@example.com'), authenticator);
    await t.ctx.db.prisma.user.update({ where: { id: hal.id }, data: { isActive: false } });
    const res = await passkeyLogin(authenticator.get(await signInOptions()));
    expect(res.body.detail).toBe('PASSKEY_INVALID');
    expect(readSetCookies(res)[SESSION_COOKIE]).toBeUndefined();
  });
});

describe('passkeys where frontend_url is not a secure context', () => {
  let t: TestContext;
  beforeAll(async () => {
    t = await createTestContext({ config: { misc: { frontend_url: 'http://media.example.com' } } });
    await createUser(t.ctx, { email: 'ann@example.com' });
  });
  afterAll(() => t.close());

  it('are off: the metadata says so and every passkey route answers PASSKEYS_DISABLED', async () => {
    expect((await request(t.app).get(`${API_PREFIX}/auth/metadata`)).body.passkeys_enabled).toBe(false);
    const options = await request(t.app).post(`${API_PREFIX}/auth/passkey/options`);
    expect(options.status).toBe(403);
    expect(options.body.detail).toBe('PASSKEYS_DISABLED');
    expect(options.body.message).toMatch(/https/);
    const session = await loginCookie(t.app, 'ann@example.com');
    expect((await request(t.app).post(`${API_PREFIX}/users/me/passkeys/options`).set(csrfHeaders(session))).body.detail).toBe('PASSKEYS_DISABLED');
  });
});
