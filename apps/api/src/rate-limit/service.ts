import type { AppContext } from '../context.js';
import { AppError } from '../http/app-error.js';
import { createRateLimitRepo } from './repo.js';

export interface RateLimitRule {
  /** Namespace of the key, e.g. "login-email". */
  name: string;
  limit: number;
  windowMs: number;
}

/**
 * Counters that live in the database, not in process memory, so a limit holds across replicas
 * and restarts. Keys hold an email or an address; they are never logged.
 */
export function createRateLimiter(ctx: AppContext) {
  const repo = createRateLimitRepo(ctx.db.prisma);
  const keyOf = (rule: RateLimitRule, subject: string) => `${rule.name}:${subject}`;

  function refuse(expiresAt: Date): never {
    const retryAfter = Math.max(1, Math.ceil((expiresAt.getTime() - ctx.clock.now().getTime()) / 1000));
    throw new AppError('RATE_LIMITED', `Too many attempts. Try again in ${retryAfter} seconds.`, {
      headers: { 'Retry-After': String(retryAfter) },
    });
  }

  return {
    /** Throws RATE_LIMITED (429 with Retry-After) when the subject already used up its window. */
    async assertUnderLimit(rule: RateLimitRule, subject: string): Promise<void> {
      const window = await repo.read(keyOf(rule, subject), ctx.clock.now());
      if (window && window.count >= rule.limit) refuse(window.expiresAt);
    },
    /** Counts one attempt (consumes). Throws RATE_LIMITED once the limit is passed. */
    async consume(rule: RateLimitRule, subject: string): Promise<void> {
      const window = await repo.increment(keyOf(rule, subject), ctx.clock.now(), rule.windowMs);
      if (window.count > rule.limit) refuse(window.expiresAt);
    },
    /** Counts one failure without refusing this request (the next one will be checked). */
    async record(rule: RateLimitRule, subject: string): Promise<void> {
      await repo.increment(keyOf(rule, subject), ctx.clock.now(), rule.windowMs);
    },
    async reset(rule: RateLimitRule, subject: string): Promise<void> {
      await repo.clear(keyOf(rule, subject));
    },
    async purgeExpired(): Promise<number> {
      const { count } = await repo.purgeExpired(ctx.clock.now());
      return count;
    },
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;
