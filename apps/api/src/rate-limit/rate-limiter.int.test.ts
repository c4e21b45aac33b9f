import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createTestContext, type TestContext } from '../test-support/test-context.js';
import { AppError } from '../http/app-error.js';
import { backoffDelayMs, type RateLimiter } from './service.js';

// Each file builds real, migrated databases; on a loaded 2-core machine that alone can take a while.
jest.setTimeout(180_000);

/** Seconds of Retry-After the next check would answer, or 0 when the key may go ahead. */
async function retryAfter(check: () => Promise<void>): Promise<number> {
  try {
    await check();
    return 0;
  } catch (error) {
    if (!(error instanceof AppError) || error.code !== 'RATE_LIMITED') throw error;
    expect(error.status).toBe(429);
    return Number(error.options.headers?.['Retry-After']);
  }
}

describe('database-backed brakes: growing delays, then a temporary lock', () => {
  let t: TestContext;
  let limiter: RateLimiter;

  beforeAll(async () => {
    t = await createTestContext({
      config: {
        auth: { rate_limits: { login_failures_per_account: 6, backoff_after: 2, backoff_base: 2, backoff_max: 5, lockout: 300, window: 900 } },
      },
    });
    limiter = t.services.rateLimiter;
  });
  afterAll(() => t.close());

  it('delays grow (2 s, 4 s, capped at 5 s) and the limit locks for `lockout` seconds', async () => {
    const rule = limiter.rules.loginPerAccount;
    const check = () => limiter.assertAllowed(rule, 'victim@example.com');
    const seen: number[] = [];
    for (let failure = 1; failure <= 5; failure += 1) {
      await limiter.recordFailure(rule, 'victim@example.com');
      const wait = await retryAfter(check);
      seen.push(wait);
      t.clock.advance(wait * 1000);
      expect(await retryAfter(check)).toBe(0);
    }
    expect(seen).toEqual([0, 2, 4, 5, 5]);
    // The sixth failure reaches the limit: locked for 300 s, not just delayed.
    await limiter.recordFailure(rule, 'victim@example.com');
    expect(await retryAfter(check)).toBe(300);
    t.clock.advance(299_000);
    expect(await retryAfter(check)).toBe(1);
    t.clock.advance(1_000);
    // Lock over, but the window still remembers the failures: the next failure is delayed again.
    expect(await retryAfter(check)).toBe(0);
  });

  it('a reset (successful sign-in, admin unlock) clears delays and lock at once', async () => {
    const rule = limiter.rules.loginPerAccount;
    for (let i = 0; i < 6; i += 1) await limiter.recordFailure(rule, 'locked@example.com');
    expect(await retryAfter(() => limiter.assertAllowed(rule, 'locked@example.com'))).toBeGreaterThan(0);
    await limiter.reset(rule, 'locked@example.com');
    expect(await retryAfter(() => limiter.assertAllowed(rule, 'locked@example.com'))).toBe(0);
  });

  it('keys are independent, and a spent window starts afresh', async () => {
    const rule = limiter.rules.loginPerAccount;
    for (let i = 0; i < 6; i += 1) await limiter.recordFailure(rule, 'a@example.com');
    expect(await retryAfter(() => limiter.assertAllowed(rule, 'b@example.com'))).toBe(0);
    t.clock.advance(901_000);
    expect(await retryAfter(() => limiter.assertAllowed(rule, 'a@example.com'))).toBe(0);
    await limiter.recordFailure(rule, 'a@example.com');
    expect(await retryAfter(() => limiter.assertAllowed(rule, 'a@example.com'))).toBe(0);
  });

  it('concurrent failures are all counted (one atomic upsert each)', async () => {
    const rule = limiter.rules.loginPerAccount;
    await Promise.all(Array.from({ length: 6 }, () => limiter.recordFailure(rule, 'burst@example.com')));
    expect(await retryAfter(() => limiter.assertAllowed(rule, 'burst@example.com'))).toBe(300);
  });

  it('several subjects in one check: refused while any is blocked, until the last of them may go', async () => {
    const { loginPerAccount, loginPerClient } = limiter.rules;
    const both = () =>
      limiter.assertAllAllowed([
        [loginPerAccount, 'pair@example.com'],
        [loginPerClient, '198.51.100.7'],
      ]);
    // Nothing counted yet: allowed, and neither subject has failures to clear.
    const clean = await both();
    expect([clean.has(loginPerAccount, 'pair@example.com'), clean.has(loginPerClient, '198.51.100.7')]).toEqual([false, false]);
    // The client's one failure delays nobody; it is counted all the same.
    await limiter.recordFailure(loginPerClient, '198.51.100.7');
    const counted = await both();
    expect([counted.has(loginPerAccount, 'pair@example.com'), counted.has(loginPerClient, '198.51.100.7')]).toEqual([false, true]);
    // The account locked (300 s) and the client merely fine: refused for the account's lock.
    for (let i = 0; i < 6; i += 1) await limiter.recordFailure(loginPerAccount, 'pair@example.com');
    expect(await retryAfter(async () => void (await both()))).toBe(300);
    // The other order of the same subjects answers the same.
    const reversed = () =>
      limiter.assertAllAllowed([
        [loginPerClient, '198.51.100.7'],
        [loginPerAccount, 'pair@example.com'],
      ]);
    expect(await retryAfter(async () => void (await reversed()))).toBe(300);
    await limiter.reset(loginPerAccount, 'pair@example.com');
    expect(await retryAfter(async () => void (await both()))).toBe(0);
  });

  it('reserve-then-judge: 40 simultaneous reservations for one subject, exactly the limit granted, the rest 429', async () => {
    const rule = limiter.rules.loginPerAccount;
    const outcomes = await Promise.allSettled(Array.from({ length: 40 }, () => limiter.reserve([[rule, 'crowd@example.com']])));
    const granted = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    expect(granted).toHaveLength(6);
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') expect(outcome.reason).toMatchObject({ code: 'RATE_LIMITED', status: 429 });
    }
    // Judged and failed, all six: the account is locked for `lockout`; nothing more is granted.
    for (const attempt of granted) await attempt.value.failed();
    expect(await retryAfter(async () => void (await limiter.reserve([[rule, 'crowd@example.com']])))).toBe(300);
    expect((await t.ctx.db.prisma.rateLimit.findUnique({ where: { key: 'login-account:crowd@example.com' } }))?.count).toBe(6);
  });

  it('reserve: a success wipes an account window and gives a client its attempt back; abandon gives every attempt back', async () => {
    const { loginPerAccount, loginPerClient } = limiter.rules;
    const count = async (key: string) => (await t.ctx.db.prisma.rateLimit.findUnique({ where: { key } }))?.count ?? null;
    const failed = await limiter.reserve([
      [loginPerAccount, 'mixed@example.com'],
      [loginPerClient, '2001:db8:5:6::1'],
    ]);
    await failed.failed();
    expect([await count('login-account:mixed@example.com'), await count('login-client:2001:db8:5:6::/64')]).toEqual([1, 1]);
    const won = await limiter.reserve([
      [loginPerAccount, 'mixed@example.com'],
      [loginPerClient, '2001:db8:5:6::2'],
    ]);
    expect([await count('login-account:mixed@example.com'), await count('login-client:2001:db8:5:6::/64')]).toEqual([2, 2]);
    await won.succeeded();
    // Settling twice changes nothing.
    await won.failed();
    expect([await count('login-account:mixed@example.com'), await count('login-client:2001:db8:5:6::/64')]).toEqual([null, 1]);
    const unjudged = await limiter.reserve([
      [loginPerAccount, 'mixed@example.com'],
      [loginPerClient, '2001:db8:5:6::3'],
    ]);
    await unjudged.abandon();
    expect([await count('login-account:mixed@example.com'), await count('login-client:2001:db8:5:6::/64')]).toEqual([0, 1]);
  });

  it('reserve: a subject still inside its delay is refused and nothing stays counted under the others', async () => {
    const { loginPerAccount, loginPerClient } = limiter.rules;
    for (let i = 0; i < 2; i += 1) await (await limiter.reserve([[loginPerAccount, 'slow@example.com']])).failed();
    // Two failures (backoff_after = 2): the next attempt must wait 2 s.
    const both = () =>
      limiter.reserve([
        [loginPerAccount, 'slow@example.com'],
        [loginPerClient, '203.0.113.9'],
      ]);
    expect(await retryAfter(async () => void (await both()))).toBe(2);
    expect(await t.ctx.db.prisma.rateLimit.findUnique({ where: { key: 'login-client:203.0.113.9' } })).toMatchObject({ count: 0 });
    expect((await t.ctx.db.prisma.rateLimit.findUnique({ where: { key: 'login-account:slow@example.com' } }))?.count).toBe(2);
    t.clock.advance(2000);
    expect(await retryAfter(async () => void (await both()))).toBe(0);
  });

  it('per-client counters start their delays halfway to the limit', () => {
    const { loginPerClient, loginPerAccount } = limiter.rules;
    expect(loginPerAccount.backoffAfter).toBe(2);
    expect(loginPerClient.backoffAfter).toBe(50);
    expect(backoffDelayMs(loginPerClient, 49)).toBe(0);
    expect(backoffDelayMs(loginPerClient, 50)).toBe(2000);
  });
});
