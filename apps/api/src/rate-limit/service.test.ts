import { describe, expect, it } from '@jest/globals';
import { createUnitServices } from '../test-support/unit-services.js';

const LIMITS = { login_failures_per_account: 4, backoff_after: 2, backoff_base: 10, backoff_max: 40, lockout: 600, window: 900 };

describe('RateLimiter (fake repositories)', () => {
  const setUp = () => {
    const u = createUnitServices({ config: { auth: { rate_limits: LIMITS } } });
    const limiter = u.services.rateLimiter;
    const rule = limiter.rules.loginPerAccount;
    const fail = async () => (await limiter.reserve([[rule, 'ann@example.com']])).failed();
    return { u, limiter, rule, fail };
  };

  it('lets the first failures through, then delays growing ones, then locks at the limit', async () => {
    const { u, limiter, rule, fail } = setUp();
    await fail();
    await fail();
    // Past backoff_after: the next attempt waits backoff_base.
    await expect(limiter.reserve([[rule, 'ann@example.com']])).rejects.toMatchObject({
      code: 'RATE_LIMITED',
      message: expect.stringContaining('in 10 seconds'),
    });
    u.clock.advance(10_000);
    await fail();
    u.clock.advance(20_000);
    await fail();
    // The limit: locked for lockout seconds, whatever the delay.
    u.clock.advance(40_000);
    await expect(limiter.reserve([[rule, 'ann@example.com']])).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    await expect(limiter.assertAllowed(rule, 'ann@example.com')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    u.clock.advance(600_000);
    await limiter.assertAllowed(rule, 'ann@example.com');
  });

  it('a success wipes the account window; an abandoned attempt is given back', async () => {
    const { limiter, rule, fail, u } = setUp();
    await fail();
    await (await limiter.reserve([[rule, 'ann@example.com']])).succeeded();
    expect(u.data.tables.rateLimits).toHaveLength(0);
    const attempt = await limiter.reserve([[rule, 'ann@example.com']]);
    await attempt.abandon();
    await attempt.failed(); // settled already: ignored
    expect(u.data.tables.rateLimits[0]?.count).toBe(0);
  });

  it('keys per-client rules by the IPv6 /64 and counts requests with consume()', async () => {
    const u = createUnitServices({ config: { auth: { rate_limits: { register_per_client: 2 } } } });
    const { rateLimiter } = u.services;
    const rule = rateLimiter.rules.registerPerClient;
    await rateLimiter.consume(rule, '2001:db8:1:2::1');
    await rateLimiter.consume(rule, '2001:db8:1:2::ffff');
    await expect(rateLimiter.consume(rule, '2001:db8:1:2:3::9')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    await rateLimiter.consume(rule, '2001:db8:1:3::1');
    await rateLimiter.reset(rule, '2001:db8:1:2::1');
    await rateLimiter.consume(rule, '2001:db8:1:2::1');
  });

  it('purges spent windows', async () => {
    const { u, fail, limiter } = setUp();
    await fail();
    u.clock.advance(901_000);
    expect(await limiter.purgeExpired()).toBe(1);
  });
});
