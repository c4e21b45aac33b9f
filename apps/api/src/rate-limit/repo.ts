import type { PrismaClient } from '../generated/prisma/client.js';

export interface WindowCount {
  count: number;
  expiresAt: Date;
}

/** Fixed-window counters in the rate_limits table, which every replica shares. */
export function createRateLimitRepo(prisma: PrismaClient) {
  return {
    /** Adds one to the key's window (starting a new window when the old one is over), atomically. */
    async increment(key: string, now: Date, windowMs: number): Promise<WindowCount> {
      const expiresAt = new Date(now.getTime() + windowMs);
      const rows = await prisma.$queryRaw<Array<{ count: number; expires_at: Date }>>`
        INSERT INTO "rate_limits" ("key", "count", "window_start", "expires_at")
        VALUES (${key}, 1, ${now}, ${expiresAt})
        ON CONFLICT ("key") DO UPDATE SET
          "count" = CASE WHEN "rate_limits"."expires_at" <= ${now} THEN 1 ELSE "rate_limits"."count" + 1 END,
          "window_start" = CASE WHEN "rate_limits"."expires_at" <= ${now} THEN ${now} ELSE "rate_limits"."window_start" END,
          "expires_at" = CASE WHEN "rate_limits"."expires_at" <= ${now} THEN ${expiresAt} ELSE "rate_limits"."expires_at" END
        RETURNING "count", "expires_at"`;
      const row = rows[0]!;
      return { count: Number(row.count), expiresAt: new Date(row.expires_at) };
    },
    async read(key: string, now: Date): Promise<WindowCount | null> {
      const row = await prisma.rateLimit.findUnique({ where: { key } });
      if (!row || row.expiresAt <= now) return null;
      return { count: row.count, expiresAt: row.expiresAt };
    },
    async clear(key: string): Promise<void> {
      await prisma.rateLimit.deleteMany({ where: { key } });
    },
    purgeExpired: (now: Date) => prisma.rateLimit.deleteMany({ where: { expiresAt: { lt: now } } }),
  };
}
