import { Prisma } from '../generated/prisma/client.js';
import type { Db } from '../db/db-handle.js';

export interface WindowCount {
  count: number;
  expiresAt: Date;
  lastFailureAt: Date | null;
  lockedUntil: Date | null;
}

interface Row {
  count: number;
  expires_at: Date;
  last_failure_at: Date | null;
  locked_until: Date | null;
}

/** One key a reservation counts an attempt under. */
export interface ReserveEntry {
  key: string;
  /** Attempts (failures and attempts still being judged) a window may hold. */
  limit: number;
  windowMs: number;
}

/** One key a judged failure is stamped on. */
export interface FailureEntry {
  key: string;
  windowMs: number;
  /** Reaching this count locks the key until `lockUntil`. */
  lockAt: number;
  lockUntil: Date;
}

/** `CASE "rate_limits"."key" WHEN k1 THEN v1 ... END`: a per-key value inside one statement. */
function perKey<T>(entries: readonly T[], keyOf: (entry: T) => string, valueOf: (entry: T) => Prisma.Sql): Prisma.Sql {
  const arms = entries.map((entry) => Prisma.sql`WHEN ${keyOf(entry)} THEN ${valueOf(entry)}`);
  return Prisma.sql`CASE "rate_limits"."key" ${Prisma.join(arms, ' ')} END`;
}

const toWindow = (row: Row): WindowCount => ({
  count: Number(row.count),
  expiresAt: new Date(row.expires_at),
  lastFailureAt: row.last_failure_at === null ? null : new Date(row.last_failure_at),
  lockedUntil: row.locked_until === null ? null : new Date(row.locked_until),
});

/** Fixed-window counters in the rate_limits table, which every replica shares. */
export function createRateLimitRepo(prisma: Db) {
  async function release(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await prisma.$executeRaw`
      UPDATE "rate_limits" SET "count" = "count" - 1 WHERE "key" IN (${Prisma.join(keys)}) AND "count" > 0`;
  }
  return {
    /**
     * Adds one to the key's window (starting a new window when the old one is over), atomically.
     * With `lock`, a count reaching `lock.atCount` also locks the key until `lock.until` (and
     * keeps the row at least that long); `isFailure` stamps last_failure_at for growing delays.
     */
    async increment(
      key: string,
      now: Date,
      windowMs: number,
      options: { isFailure?: boolean; lock?: { atCount: number; until: Date } } = {},
    ): Promise<WindowCount> {
      const expiresAt = new Date(now.getTime() + windowMs);
      const failureAt = options.isFailure ? now : null;
      const lockAt = options.lock?.atCount ?? 2_147_483_647;
      const lockUntil = options.lock?.until ?? now;
      // In ON CONFLICT ... SET every column reference is the old row, so the new count is spelled
      // out where the lock needs it.
      const isInsertLocked = lockAt <= 1;
      const rows = await prisma.$queryRaw<Row[]>`
        INSERT INTO "rate_limits" ("key", "count", "window_start", "expires_at", "last_failure_at", "locked_until")
        VALUES (${key}, 1, ${now}, ${isInsertLocked && lockUntil > expiresAt ? lockUntil : expiresAt}::timestamptz, ${failureAt}::timestamptz,
                ${isInsertLocked ? lockUntil : null}::timestamptz)
        ON CONFLICT ("key") DO UPDATE SET
          "count" = CASE WHEN "rate_limits"."expires_at" <= ${now} THEN 1 ELSE "rate_limits"."count" + 1 END,
          "window_start" = CASE WHEN "rate_limits"."expires_at" <= ${now} THEN ${now} ELSE "rate_limits"."window_start" END,
          "expires_at" = GREATEST(
            CASE WHEN "rate_limits"."expires_at" <= ${now} THEN ${expiresAt}::timestamptz ELSE "rate_limits"."expires_at" END,
            CASE WHEN (CASE WHEN "rate_limits"."expires_at" <= ${now} THEN 1 ELSE "rate_limits"."count" + 1 END) >= ${lockAt}::int
              THEN ${lockUntil}::timestamptz ELSE ${now}::timestamptz END),
          "last_failure_at" = COALESCE(${failureAt}::timestamptz, "rate_limits"."last_failure_at"),
          "locked_until" = CASE
            WHEN (CASE WHEN "rate_limits"."expires_at" <= ${now} THEN 1 ELSE "rate_limits"."count" + 1 END) >= ${lockAt}::int THEN ${lockUntil}::timestamptz
            WHEN "rate_limits"."expires_at" <= ${now} THEN NULL
            ELSE "rate_limits"."locked_until" END
        RETURNING "count", "expires_at", "last_failure_at", "locked_until"`;
      return toWindow(rows[0]!);
    },
    /**
     * Counts one attempt under every key in ONE statement, before anything is judged: a key whose
     * window is live, unlocked and below its limit gains one (a spent window starts afresh at 1;
     * a new key is inserted at 1). Keys that are locked or full are left as they are and are
     * missing from the answer. Concurrent callers queue on the row lock (PostgreSQL and PGlite
     * alike), so no more than `limit` attempts can ever hold a key's window at once.
     */
    async reserve(entries: readonly ReserveEntry[], now: Date): Promise<Map<string, WindowCount>> {
      // Keys in one order everywhere, so two statements never wait on each other's rows.
      const sorted = [...entries].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      const values = sorted.map(
        (entry) =>
          Prisma.sql`(${entry.key}, 1, ${now}::timestamptz, ${new Date(now.getTime() + entry.windowMs)}::timestamptz, NULL::timestamptz, NULL::timestamptz)`,
      );
      const limit = perKey(
        sorted,
        (entry) => entry.key,
        (entry) => Prisma.sql`${entry.limit}::int`,
      );
      const isSpent = Prisma.sql`"rate_limits"."expires_at" <= ${now}::timestamptz`;
      const rows = await prisma.$queryRaw<Array<Row & { key: string }>>`
        INSERT INTO "rate_limits" ("key", "count", "window_start", "expires_at", "last_failure_at", "locked_until")
        VALUES ${Prisma.join(values)}
        ON CONFLICT ("key") DO UPDATE SET
          "count" = CASE WHEN ${isSpent} THEN 1 ELSE "rate_limits"."count" + 1 END,
          "window_start" = CASE WHEN ${isSpent} THEN ${now}::timestamptz ELSE "rate_limits"."window_start" END,
          "expires_at" = CASE WHEN ${isSpent} THEN EXCLUDED."expires_at" ELSE "rate_limits"."expires_at" END,
          "last_failure_at" = CASE WHEN ${isSpent} THEN NULL ELSE "rate_limits"."last_failure_at" END,
          "locked_until" = CASE WHEN ${isSpent} THEN NULL ELSE "rate_limits"."locked_until" END
        WHERE ${isSpent}
           OR (("rate_limits"."locked_until" IS NULL OR "rate_limits"."locked_until" <= ${now}::timestamptz)
               AND "rate_limits"."count" < ${limit})
        RETURNING "key", "count", "expires_at", "last_failure_at", "locked_until"`;
      return new Map(rows.map((row) => [row.key, toWindow(row)]));
    },
    /** Gives back one reserved attempt under each key (an attempt that was refused, or succeeded). */
    release,
    /**
     * A success: deletes the `clear` keys' windows (their failures and lock) and gives back the
     * reserved attempt under the `release` keys, in one statement.
     */
    async settleSuccess(clear: readonly string[], released: readonly string[]): Promise<void> {
      if (clear.length === 0) return release(released);
      if (released.length === 0) {
        await prisma.$executeRaw`DELETE FROM "rate_limits" WHERE "key" IN (${Prisma.join(clear)})`;
        return;
      }
      await prisma.$executeRaw`
        WITH "cleared" AS (DELETE FROM "rate_limits" WHERE "key" IN (${Prisma.join(clear)}))
        UPDATE "rate_limits" SET "count" = "count" - 1 WHERE "key" IN (${Prisma.join(released)}) AND "count" > 0`;
    },
    /**
     * A judged failure under keys whose attempt was already counted by reserve(): stamps
     * last_failure_at (for growing delays) and locks a key whose count reached its lockAt. A key
     * whose window went meanwhile (a success cleared it, or it was spent) starts again at 1.
     */
    async stampFailures(entries: readonly FailureEntry[], now: Date): Promise<void> {
      if (entries.length === 0) return;
      const sorted = [...entries].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      const values = sorted.map((entry) => {
        const isLockedAtOnce = entry.lockAt <= 1;
        const windowEnd = new Date(now.getTime() + entry.windowMs);
        const expiresAt = isLockedAtOnce && entry.lockUntil > windowEnd ? entry.lockUntil : windowEnd;
        return Prisma.sql`(${entry.key}, 1, ${now}::timestamptz, ${expiresAt}::timestamptz, ${now}::timestamptz, ${isLockedAtOnce ? entry.lockUntil : null}::timestamptz)`;
      });
      const lockAt = perKey(
        sorted,
        (entry) => entry.key,
        (entry) => Prisma.sql`${entry.lockAt}::int`,
      );
      const lockUntil = perKey(
        sorted,
        (entry) => entry.key,
        (entry) => Prisma.sql`${entry.lockUntil}::timestamptz`,
      );
      const isSpent = Prisma.sql`"rate_limits"."expires_at" <= ${now}::timestamptz`;
      const newCount = Prisma.sql`(CASE WHEN ${isSpent} THEN 1 ELSE "rate_limits"."count" END)`;
      await prisma.$executeRaw`
        INSERT INTO "rate_limits" ("key", "count", "window_start", "expires_at", "last_failure_at", "locked_until")
        VALUES ${Prisma.join(values)}
        ON CONFLICT ("key") DO UPDATE SET
          "count" = ${newCount},
          "window_start" = CASE WHEN ${isSpent} THEN ${now}::timestamptz ELSE "rate_limits"."window_start" END,
          "expires_at" = GREATEST(
            CASE WHEN ${isSpent} THEN EXCLUDED."expires_at" ELSE "rate_limits"."expires_at" END,
            CASE WHEN ${newCount} >= ${lockAt} THEN ${lockUntil} ELSE ${now}::timestamptz END),
          "last_failure_at" = ${now}::timestamptz,
          "locked_until" = CASE
            WHEN ${newCount} >= ${lockAt} THEN ${lockUntil}
            WHEN ${isSpent} THEN NULL
            ELSE "rate_limits"."locked_until" END`;
    },
    /** The live windows of these keys (one query); keys without one are absent. */
    async readMany(keys: readonly string[], now: Date): Promise<Map<string, WindowCount>> {
      const rows = await prisma.rateLimit.findMany({ where: { key: { in: [...keys] } } });
      return new Map(
        rows
          .filter((row) => row.expiresAt > now)
          .map((row) => [row.key, { count: row.count, expiresAt: row.expiresAt, lastFailureAt: row.lastFailureAt, lockedUntil: row.lockedUntil }]),
      );
    },
    async clear(key: string): Promise<void> {
      await prisma.rateLimit.deleteMany({ where: { key } });
    },
    purgeExpired: (now: Date) => prisma.rateLimit.deleteMany({ where: { expiresAt: { lt: now } } }),
  };
}

export type RateLimitRepo = ReturnType<typeof createRateLimitRepo>;
