import type { AppContext } from '../context.js';
import type { RateLimitsConfig } from '../config/types.js';
import { AppError } from '../http/app-error.js';
import { clientKeyOf } from '../http/client-info.js';
import type { RateLimitRepo, WindowCount } from './repo.js';

export interface RateLimitRule {
  /** Namespace of the key, e.g. "login-account". */
  name: string;
  limit: number;
  windowMs: number;
  /** Keyed by client address: the subject goes through clientKeyOf (IPv6 by its /64). */
  perClient?: boolean;
}

/** A rule that counts failures: delays grow past `backoffAfter` and the key locks at the limit. */
export interface FailureRule extends RateLimitRule {
  lockoutMs: number;
  backoffAfter: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** A success wipes the subject's window (the account's owner knows the password). */
  clearOnSuccess?: boolean;
}

/**
 * The failure rules' shared knobs from [auth.rate_limits]. A per-client counter is shared by
 * everyone behind one address (a household's NAT), so its delays start only halfway to its limit.
 */
function failureRule(name: string, limit: number, limits: RateLimitsConfig, isPerClient: boolean): FailureRule {
  return {
    name,
    limit,
    windowMs: limits.window * 1000,
    lockoutMs: limits.lockout * 1000,
    backoffAfter: isPerClient ? Math.max(limits.backoff_after, Math.floor(limit / 2)) : limits.backoff_after,
    backoffBaseMs: limits.backoff_base * 1000,
    backoffMaxMs: limits.backoff_max * 1000,
    ...(isPerClient ? { perClient: true } : { clearOnSuccess: true }),
  };
}

/**
 * How long after its latest failure a key must wait: nothing for the first `backoffAfter`
 * failures, then backoffBase, doubling with each further failure up to backoffMax.
 */
export function backoffDelayMs(rule: FailureRule, failures: number): number {
  if (failures < rule.backoffAfter) return 0;
  const doublings = Math.min(failures - rule.backoffAfter, 30);
  return Math.min(rule.backoffMaxMs, rule.backoffBaseMs * 2 ** doublings);
}

/** When the key may try again, or null if it may now. */
function blockedUntil(rule: FailureRule, window: WindowCount, now: Date): Date | null {
  if (window.lockedUntil && window.lockedUntil > now) return window.lockedUntil;
  if (!window.lastFailureAt) return null;
  const delayEnds = new Date(window.lastFailureAt.getTime() + backoffDelayMs(rule, window.count));
  return delayEnds > now ? delayEnds : null;
}

const HOUR_MS = 60 * 60_000;

/** Which of the subjects a check read have failures counted in a live window. */
export interface CountedFailures {
  has(rule: FailureRule, subject: string): boolean;
}

/**
 * Every brake, from [auth.rate_limits]. Failure rules count only failures (OWASP ASVS 2.2.1):
 * per account slows guessing one password, per client slows spraying many accounts. Request
 * rules count every request: forgot-password a few per address (the owner retrying) and more
 * per client (a shared NAT); registration per client.
 */
export function buildRateLimitRules(limits: RateLimitsConfig) {
  return {
    loginPerAccount: failureRule('login-account', limits.login_failures_per_account, limits, false),
    loginPerClient: failureRule('login-client', limits.login_failures_per_client, limits, true),
    resetPerClient: failureRule('reset-client', limits.reset_failures_per_client, limits, true),
    oidcCallbackPerClient: failureRule('oidc-callback-client', limits.oidc_callback_failures_per_client, limits, true),
    secondFactorPerAccount: failureRule('2fa-account', limits.second_factor_failures_per_account, limits, false),
    secondFactorPerClient: failureRule('2fa-client', limits.second_factor_failures_per_client, limits, true),
    apiKeyPerClient: failureRule('api-key-client', limits.api_key_failures_per_client, limits, true),
    passkeyOptionsPerClient: { name: 'passkey-options-client', limit: limits.passkey_options_per_client, windowMs: HOUR_MS, perClient: true },
    registerPerClient: { name: 'register-client', limit: limits.register_per_client, windowMs: HOUR_MS, perClient: true },
    forgotPerEmail: { name: 'forgot-email', limit: limits.forgot_per_email, windowMs: HOUR_MS },
    forgotPerClient: { name: 'forgot-client', limit: limits.forgot_per_client, windowMs: HOUR_MS, perClient: true },
  } satisfies Record<string, RateLimitRule>;
}

/**
 * One attempt counted by reserve() before it is judged; exactly one of these settles it.
 */
export interface ReservedAttempt {
  /** It succeeded: account-style windows are wiped, the per-client attempt is given back. */
  succeeded(): Promise<void>;
  /** It was judged and failed: the attempt stays counted, delays grow, the limit locks. */
  failed(): Promise<void>;
  /** It was never judged (refused for another reason): the attempt is given back. */
  abandon(): Promise<void>;
}

/**
 * Counters that live in the database, not in process memory, so a limit holds across replicas
 * and restarts. Keys hold an email or an address; they are never logged.
 */
export interface RateLimiterDeps extends Pick<AppContext, 'clock' | 'config'> {
  readonly rateLimits: RateLimitRepo;
}

export function createRateLimiter(deps: RateLimiterDeps) {
  const { rateLimits: repo } = deps;
  // Every per-client rule keys its subject the same way: IPv6 by its /64, mapped IPv4 as IPv4.
  const keyOf = (rule: RateLimitRule, subject: string) => `${rule.name}:${rule.perClient ? clientKeyOf(subject) : subject}`;

  function refuse(until: Date): never {
    const retryAfter = Math.max(1, Math.ceil((until.getTime() - deps.clock.now().getTime()) / 1000));
    throw new AppError('RATE_LIMITED', `Too many attempts. Try again in ${retryAfter} seconds.`, {
      headers: { 'Retry-After': String(retryAfter) },
    });
  }

  /**
   * assertAllowed for several subjects in one query (a sign-in checks its account and its
   * client); Retry-After names the time when all of them may try again. Resolves to which of
   * them have failures counted, so that a success only clears counters that exist.
   */
  async function assertAllAllowed(checks: ReadonlyArray<readonly [FailureRule, string]>): Promise<CountedFailures> {
    const now = deps.clock.now();
    const windows = await repo.readMany(
      checks.map(([rule, subject]) => keyOf(rule, subject)),
      now,
    );
    let latest: Date | null = null;
    for (const [rule, subject] of checks) {
      const window = windows.get(keyOf(rule, subject));
      const until = window ? blockedUntil(rule, window, now) : null;
      if (until && (latest === null || until > latest)) latest = until;
    }
    if (latest) refuse(latest);
    return { has: (rule, subject) => windows.has(keyOf(rule, subject)) };
  }

  /**
   * Reserve-then-judge: counts one attempt under every subject BEFORE the caller checks a
   * password or token, in one atomic statement, so N simultaneous guesses can never have more
   * than the limit judged. Throws RATE_LIMITED (429 with Retry-After, the time when all of them
   * may go) when any subject is locked, full, or still inside the delay its latest failure
   * earned; nothing is then left counted. The caller settles the attempt exactly once.
   */
  async function reserve(checks: ReadonlyArray<readonly [FailureRule, string]>): Promise<ReservedAttempt> {
    const now = deps.clock.now();
    const entries = checks.map(([rule, subject]) => ({ rule, key: keyOf(rule, subject) }));
    const reserved = await repo.reserve(
      entries.map(({ rule, key }) => ({ key, limit: rule.limit, windowMs: rule.windowMs })),
      now,
    );
    const reservedKeys = entries.filter(({ key }) => reserved.has(key)).map(({ key }) => key);
    const untils: Date[] = [];
    const later = (until: Date | null) => {
      if (until) untils.push(until);
    };
    const refused = entries.filter(({ key }) => !reserved.has(key));
    if (refused.length > 0) {
      // Locked, or full of attempts still being judged (their failures will lock it).
      const windows = await repo.readMany(
        refused.map(({ key }) => key),
        now,
      );
      for (const { rule, key } of refused) {
        const window = windows.get(key);
        later(window?.lockedUntil && window.lockedUntil > now ? window.lockedUntil : new Date(now.getTime() + rule.lockoutMs));
      }
    }
    for (const { rule, key } of entries) {
      const window = reserved.get(key);
      // The delay the failures before this attempt earned (count includes this attempt).
      if (window) later(blockedUntil(rule, { ...window, count: window.count - 1 }, now));
    }
    if (untils.length > 0) {
      await repo.release(reservedKeys);
      refuse(new Date(Math.max(...untils.map((until) => until.getTime()))));
    }
    let isSettled = false;
    const settle = async (work: () => Promise<void>) => {
      if (isSettled) return;
      isSettled = true;
      await work();
    };
    return {
      succeeded: () =>
        settle(() =>
          repo.settleSuccess(
            entries.filter(({ rule }) => rule.clearOnSuccess).map(({ key }) => key),
            entries.filter(({ rule }) => !rule.clearOnSuccess).map(({ key }) => key),
          ),
        ),
      failed: () =>
        settle(() => {
          const at = deps.clock.now();
          return repo.stampFailures(
            entries.map(({ rule, key }) => ({
              key,
              windowMs: rule.windowMs,
              lockAt: rule.limit,
              lockUntil: new Date(at.getTime() + rule.lockoutMs),
            })),
            at,
          );
        }),
      abandon: () => settle(() => repo.release(entries.map(({ key }) => key))),
    };
  }

  return {
    rules: buildRateLimitRules(deps.config.auth.rate_limits),
    reserve,
    /**
     * Throws RATE_LIMITED (429 with Retry-After) while the subject is locked or still inside the
     * delay its latest failure earned.
     */
    async assertAllowed(rule: FailureRule, subject: string): Promise<void> {
      await assertAllAllowed([[rule, subject]]);
    },
    assertAllAllowed,
    /** Counts one failure without refusing this request; the limit locks the key for lockoutMs. */
    async recordFailure(rule: FailureRule, subject: string): Promise<void> {
      const now = deps.clock.now();
      await repo.increment(keyOf(rule, subject), now, rule.windowMs, {
        isFailure: true,
        lock: { atCount: rule.limit, until: new Date(now.getTime() + rule.lockoutMs) },
      });
    },
    /** Counts one request (consumes). Throws RATE_LIMITED once the window's limit is passed. */
    async consume(rule: RateLimitRule, subject: string): Promise<void> {
      const window = await repo.increment(keyOf(rule, subject), deps.clock.now(), rule.windowMs);
      if (window.count > rule.limit) refuse(window.expiresAt);
    },
    async reset(rule: RateLimitRule, subject: string): Promise<void> {
      await repo.clear(keyOf(rule, subject));
    },
    async purgeExpired(): Promise<number> {
      const { count } = await repo.purgeExpired(deps.clock.now());
      return count;
    },
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;
