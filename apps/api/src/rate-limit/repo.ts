import type { PrismaClient } from '../generated/prisma/client.js';

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

const toWindow = (row: Row): WindowCount => ({
  count: Number(row.count),
  expiresAt: new Date(row.expires_at),
  lastFailureAt: row.last_failure_at === null ? null : new Date(row.last_failure_at),
  lockedUntil: row.locked_until === null ? null : new Date(row.locked_until),
});

/** Fixed-window counters in the rate_limits table, which every replica shares. */
export function createRateLimitRepo(prisma: PrismaClient) {
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
