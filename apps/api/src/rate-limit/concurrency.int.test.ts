/**
 * Brakes under concurrency (issue 18): an attempt is counted before its password is judged, so a
 * burst of simultaneous guesses gets no more comparisons than the limit; a full hashing queue
 * answers 503 at once while the process stays responsive; per-client counters key IPv6 by its /64;
 * a username that is not an address is never recorded.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import request from 'supertest';
import { apiPath } from '@gatehouse/shared';
import { createTestContext, type TestContext } from '../test-support/test-context.js';
import { STRONG_PASSWORD, createUser } from '../test-support/fixtures.js';
import type { PasswordHasher } from '../auth/password-hasher.js';
import { makeDummyHash } from '../auth/password-hasher.js';
import { clientKeyOf } from '../http/client-info.js';

jest.setTimeout(180_000);

const LOGIN = apiPath('jwtLogin');

/** Wraps the real hasher, counting the comparisons it is asked for (real, dummy, and hashes). */
function countingHasher() {
  const counts = { verify: 0, verifyDummy: 0 };
  const wrap = (inner: PasswordHasher): PasswordHasher => ({
    hash: (password) => inner.hash(password),
    verify: (password, hashed) => {
      counts.verify += 1;
      return inner.verify(password, hashed);
    },
    verifyDummy: (password) => {
      counts.verifyDummy += 1;
      return inner.verifyDummy(password);
    },
    close: () => inner.close(),
  });
  return { counts, wrap };
}

function expect429(res: request.Response): void {
  expect({ status: res.status, body: res.body as unknown }).toMatchObject({ status: 429, body: { detail: 'RATE_LIMITED' } });
  expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
}

describe('simultaneous guesses: counted before they are judged', () => {
  let t: TestContext;
  const hasher = countingHasher();
  beforeAll(async () => {
    // The 40 requests all arrive before any is answered: each waits on the same client counter too.
    t = await createTestContext({ hasher: hasher.wrap, config: { auth: { rate_limits: { login_failures_per_account: 10 } } } });
    await createUser(t.ctx, { email: 'victim@example.com' });
  });
  afterAll(() => t.close());

  it('40 simultaneous wrong passwords for one account: at most 10 judged, the rest 429 with Retry-After', async () => {
    hasher.counts.verify = 0;
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        request(t.app)
          .post(LOGIN)
          .send({ username: 'victim@example.com', password: `wrong guess ${i}` }),
      ),
    );
    const judged = answers.filter((res) => res.status === 400);
    const refused = answers.filter((res) => res.status !== 400);
    for (const res of judged) expect(res.body).toMatchObject({ detail: 'LOGIN_BAD_CREDENTIALS' });
    for (const res of refused) expect429(res);
    expect(judged.length).toBeGreaterThanOrEqual(1);
    expect(judged.length).toBeLessThanOrEqual(10);
    expect(judged.length + refused.length).toBe(40);
    // Every judged answer cost one comparison, and no refused one did.
    expect(hasher.counts.verify).toBe(judged.length);
    // The right password is refused too while the failures hold the account.
    const locked = await request(t.app).post(LOGIN).send({ username: 'victim@example.com', password: STRONG_PASSWORD });
    if (judged.length === 10) expect429(locked);
    expect(hasher.counts.verify).toBeLessThanOrEqual(10 + (locked.status === 429 ? 0 : 1));
  });

  it('40 simultaneous guesses spread over 40 accounts from one client: at most login_failures_per_client judged', async () => {
    const sprayed = countingHasher();
    const sprayer = await createTestContext({ hasher: sprayed.wrap, config: { auth: { rate_limits: { login_failures_per_client: 6 } } } });
    try {
      const answers = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          request(sprayer.app)
            .post(LOGIN)
            .send({ username: `user${i}@example.com`, password: 'guess' }),
        ),
      );
      const judged = answers.filter((res) => res.status === 400);
      for (const res of answers.filter((one) => one.status !== 400)) expect429(res);
      expect(judged.length).toBeGreaterThanOrEqual(1);
      expect(judged.length).toBeLessThanOrEqual(6);
      // Unknown accounts cost a comparison against the dummy hash, judged ones only.
      expect(sprayed.counts.verifyDummy).toBe(judged.length);
    } finally {
      await sprayer.close();
    }
  });

  it('a success gives the client its attempt back and wipes the account window; refused attempts leave nothing counted', async () => {
    const ok = await createTestContext({ config: { auth: { rate_limits: { login_failures_per_client: 3, backoff_after: 100 } } } });
    try {
      await createUser(ok.ctx, { email: 'owner@example.com' });
      // Far more successes than the client's limit: successes are not failures.
      for (let i = 0; i < 6; i += 1) {
        expect((await request(ok.app).post(LOGIN).send({ username: 'owner@example.com', password: STRONG_PASSWORD })).status).toBe(200);
      }
      const rows = await ok.ctx.db.prisma.rateLimit.findMany();
      expect(rows.filter((row) => row.key.startsWith('login-account:'))).toEqual([]);
      expect(rows.filter((row) => row.key.startsWith('login-client:')).map((row) => row.count)).toEqual([0]);
      // Three failures lock the client; the fourth attempt is refused unjudged and not counted.
      for (let i = 0; i < 3; i += 1) {
        expect(
          (
            await request(ok.app)
              .post(LOGIN)
              .send({ username: `other${i}@example.com`, password: 'nope' })
          ).status,
        ).toBe(400);
      }
      expect429(await request(ok.app).post(LOGIN).send({ username: 'owner@example.com', password: STRONG_PASSWORD }));
      const after = await ok.ctx.db.prisma.rateLimit.findMany({ where: { key: { startsWith: 'login-' } } });
      expect(after.find((row) => row.key.startsWith('login-client:'))?.count).toBe(3);
      expect(after.find((row) => row.key === 'login-account:owner@example.com')?.count ?? 0).toBe(0);
    } finally {
      await ok.close();
    }
  });
});

/** A well-formed bcrypt hash at cost 31: verifying against it keeps a thread busy far longer than any test. */
const makeEndlessHash = () => makeDummyHash(4).replace(/^\$2b\$04\$/, '$2b$31$');

describe('simultaneous forged OIDC callbacks from one client', () => {
  let t: TestContext;
  beforeAll(async () => {
    t = await createTestContext({ config: { auth: { rate_limits: { oidc_callback_failures_per_client: 4 } } } });
  });
  afterAll(() => t.close());

  it('20 at once: at most 4 judged (sent back to the login page), the rest 429 with Retry-After', async () => {
    // No transaction cookie: each is a forged or replayed callback, a failure once judged.
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => request(t.app).get(`/api/v1/auth/cookie/OpenID/callback?code=guess-${i}&state=s-${i}`)),
    );
    const judged = answers.filter((res) => res.status === 302);
    for (const res of judged) expect(res.headers.location).toMatch(/\/login\?oidc_error=/);
    for (const res of answers.filter((res) => res.status !== 302)) expect429(res);
    expect(judged.length).toBeGreaterThanOrEqual(1);
    expect(judged.length).toBeLessThanOrEqual(4);
  });
});

describe('a full hashing queue', () => {
  let t: TestContext;
  beforeAll(async () => {
    t = await createTestContext({ hashThreads: 1, config: { auth: { password_hash_queue_limit: 2 } } });
    await createUser(t.ctx, { email: 'someone@example.com' });
  });
  afterAll(() => t.close());

  it('answers 503 SERVICE_UNAVAILABLE with Retry-After at once, counts nothing, and /health still answers', async () => {
    // One comparison running and two waiting: the queue is full (t.close() stops them).
    const held = Array.from({ length: 3 }, () => t.ctx.passwordHasher.verify('x', makeEndlessHash()).catch(() => false));
    const busy = await request(t.app).post(LOGIN).send({ username: 'someone@example.com', password: STRONG_PASSWORD });
    expect({ status: busy.status, body: busy.body as unknown }).toMatchObject({ status: 503, body: { detail: 'SERVICE_UNAVAILABLE' } });
    expect(Number(busy.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // Unknown accounts are refused the same way (their dummy comparison needs the queue too).
    const unknown = await request(t.app).post(LOGIN).send({ username: 'nobody@example.com', password: 'guess' });
    expect(unknown.status).toBe(503);
    // A refusal for a full queue is not a failure: nothing is left counted against anyone.
    const rows = await t.ctx.db.prisma.rateLimit.findMany();
    expect(rows.every((row) => row.count === 0 && row.lastFailureAt === null)).toBe(true);
    // The process stays responsive.
    const health = await request(t.app).get(apiPath('health'));
    expect(health.status).toBe(200);
    // Registration hashes too, and is refused the same way.
    const register = await request(t.app).post(apiPath('register')).send({ email: 'new@example.com', password: STRONG_PASSWORD });
    expect(register.status).toBe(503);
    expect(held).toHaveLength(3);
    // The log does not call a busy hasher a database outage.
    expect(t.logText()).not.toContain('Database unavailable');
  });
});

describe('per-client keys: IPv6 by its /64, IPv4-mapped as IPv4', () => {
  it('clientKeyOf', () => {
    expect(clientKeyOf('198.51.100.7')).toBe('198.51.100.7');
    expect(clientKeyOf('::ffff:198.51.100.7')).toBe('198.51.100.7');
    expect(clientKeyOf('::FFFF:c633:6407')).toBe('198.51.100.7');
    expect(clientKeyOf('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(clientKeyOf('2001:0DB8:0001:0002:ffff:eeee:dddd:cccc')).toBe('2001:db8:1:2::/64');
    expect(clientKeyOf('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(clientKeyOf('::1')).toBe('0:0:0:0::/64');
    expect(clientKeyOf('2001:db8:1:3::1')).not.toBe(clientKeyOf('2001:db8:1:2::1'));
    expect(clientKeyOf(null)).toBe('unknown');
    expect(clientKeyOf('')).toBe('unknown');
  });

  it('two addresses in one /64 share a counter; another /64 does not', async () => {
    // Trusted proxy: loopback (the test's default), so X-Forwarded-For names the client.
    const t = await createTestContext({ config: { auth: { rate_limits: { login_failures_per_client: 4, backoff_after: 100 } } } });
    try {
      const fail = (from: string, i: number) =>
        request(t.app)
          .post(LOGIN)
          .set('X-Forwarded-For', from)
          .send({ username: `v6user${i}@example.com`, password: 'guess' });
      expect((await fail('2001:db8:1:2::1', 1)).status).toBe(400);
      expect((await fail('2001:db8:1:2::2', 2)).status).toBe(400);
      expect((await fail('2001:db8:1:2:ffff:ffff:ffff:fffe', 3)).status).toBe(400);
      expect((await fail('2001:db8:1:2:abcd::9', 4)).status).toBe(400);
      // The fourth failure in the /64 locked it, for every address inside it.
      expect429(await fail('2001:db8:1:2::77', 5));
      expect429(await fail('2001:db8:1:2::1', 6));
      // The neighbouring /64 has its own counter.
      expect((await fail('2001:db8:1:3::1', 7)).status).toBe(400);
      const keys = (await t.ctx.db.prisma.rateLimit.findMany({ where: { key: { startsWith: 'login-client:' } } })).map((row) => [row.key, row.count]);
      expect(keys.sort()).toEqual([
        ['login-client:2001:db8:1:2::/64', 4],
        ['login-client:2001:db8:1:3::/64', 1],
      ]);
      // An IPv4 client and the same address mapped into IPv6 share one counter.
      expect((await fail('198.51.100.7', 8)).status).toBe(400);
      expect((await fail('::ffff:198.51.100.7', 9)).status).toBe(400);
      expect((await t.ctx.db.prisma.rateLimit.findUnique({ where: { key: 'login-client:198.51.100.7' } }))?.count).toBe(2);
    } finally {
      await t.close();
    }
  });
});

describe('a username that is not an email address is never recorded', () => {
  let t: TestContext;
  const hasher = countingHasher();
  beforeAll(async () => {
    t = await createTestContext({ hasher: hasher.wrap });
    await createUser(t.ctx, { email: 'alice@example.com' });
  });
  afterAll(() => t.close());

  it('a password typed into the email field appears nowhere: audit rows, log, brake keys', async () => {
    const typedPasswords = ['Tr0ub4dor&3-secret', 'P@ssw0rd!2024-secret', ' correct horse battery secret '];
    for (const typed of typedPasswords) {
      const res = await request(t.app).post(LOGIN).send({ username: typed, password: 'whatever' });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ detail: 'LOGIN_BAD_CREDENTIALS' });
    }
    // No comparison is spent on a username no account can have.
    expect(hasher.counts.verify + hasher.counts.verifyDummy).toBe(0);
    const events = await t.ctx.db.prisma.auditEvent.findMany({ where: { type: 'sign_in.failed' } });
    expect(events).toHaveLength(3);
    for (const event of events) {
      expect(event.userEmail).toBeNull();
      expect(event.userId).toBeNull();
      expect(event.details).toMatchObject({ username: 'not_an_email' });
    }
    const asText = (value: unknown) => JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? String(item) : item));
    const everything = asText(await t.ctx.db.prisma.auditEvent.findMany()) + t.logText() + asText(await t.ctx.db.prisma.rateLimit.findMany());
    expect(everything).toContain('not_an_email');
    for (const typed of typedPasswords) {
      expect(everything.toLowerCase()).not.toContain(typed.trim().toLowerCase());
    }
    // They still count against the client.
    expect((await t.ctx.db.prisma.rateLimit.findMany({ where: { key: { startsWith: 'login-client:' } } })).map((row) => row.count)).toEqual([3]);
    expect(await t.ctx.db.prisma.rateLimit.count({ where: { key: { startsWith: 'login-account:' } } })).toBe(0);
  });

  it('a well-formed address is recorded and braked as before, known or not', async () => {
    for (const username of ['alice@example.com', 'Ghost@Example.com']) {
      expect((await request(t.app).post(LOGIN).send({ username, password: 'wrong password' })).status).toBe(400);
    }
    const events = await t.ctx.db.prisma.auditEvent.findMany({ where: { type: 'sign_in.failed', userEmail: { not: null } }, orderBy: { id: 'asc' } });
    expect(events.map((event) => [event.userEmail, (event.details as { reason: string }).reason])).toEqual([
      ['alice@example.com', 'wrong_password'],
      ['ghost@example.com', 'unknown_email'],
    ]);
    const keys = (await t.ctx.db.prisma.rateLimit.findMany({ where: { key: { startsWith: 'login-account:' } } })).map((row) => row.key).sort();
    expect(keys).toEqual(['login-account:alice@example.com', 'login-account:ghost@example.com']);
  });
});
