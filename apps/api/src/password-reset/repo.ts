import type { PasswordTokenPurpose, Prisma } from '../generated/prisma/client.js';
import type { Atomically, Db } from '../db/db-handle.js';

/** Purposes whose links set a password; "verify" links only prove an address. */
export const PASSWORD_PURPOSES: readonly PasswordTokenPurpose[] = ['setup', 'reset'];

/**
 * The password_tokens table: every one-time link of an account (setup, reset, verify), and its
 * only writer. Only SHA-256 hashes of tokens are stored.
 */
export function createPasswordTokenRepo(db: Db, atomically: Atomically) {
  return {
    create: (data: Prisma.PasswordTokenUncheckedCreateInput) => db.passwordToken.create({ data }),

    /** Issues a token and kills every older unused one of the same kind (password links or verify links). */
    replaceForUser: (data: Prisma.PasswordTokenUncheckedCreateInput, now: Date) =>
      atomically(async (tx) => {
        const purposes: readonly PasswordTokenPurpose[] = data.purpose === 'verify' ? ['verify'] : PASSWORD_PURPOSES;
        await tx.passwordToken.updateMany({
          where: { userId: data.userId, usedAt: null, purpose: { in: [...purposes] } },
          data: { usedAt: now },
        });
        return tx.passwordToken.create({ data });
      }),

    /** Kills every unused link of the user (all purposes): the facts they were issued for changed. */
    voidAllForUser: (userId: string, now: Date) => db.passwordToken.updateMany({ where: { userId, usedAt: null }, data: { usedAt: now } }),

    /** Kills the user's unused links that set a password. */
    voidPasswordLinks: (userId: string, now: Date) =>
      db.passwordToken.updateMany({
        where: { userId, usedAt: null, purpose: { in: [...PASSWORD_PURPOSES] } },
        data: { usedAt: now },
      }),

    /** Kills the user's unused verify links for `email`. */
    voidVerifyLinks: (userId: string, email: string, now: Date) =>
      db.passwordToken.updateMany({ where: { userId, usedAt: null, purpose: 'verify', email }, data: { usedAt: now } }),

    findByHash: (tokenHash: string) => db.passwordToken.findUnique({ where: { tokenHash } }),

    /**
     * Uses the link up if it is still good for `purposes`: unused, unexpired, and its account
     * active. The conditional update makes two simultaneous uses of one link succeed at most once;
     * returns whether this use won.
     */
    async consume(id: string, purposes: readonly PasswordTokenPurpose[], now: Date): Promise<boolean> {
      const { count } = await db.passwordToken.updateMany({
        where: { id, usedAt: null, expiresAt: { gt: now }, purpose: { in: [...purposes] }, user: { isActive: true } },
        data: { usedAt: now },
      });
      return count > 0;
    },
  };
}

export type PasswordTokenRepo = ReturnType<typeof createPasswordTokenRepo>;
