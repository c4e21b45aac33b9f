import type { Prisma, PrismaClient } from '../generated/prisma/client.js';

type Db = PrismaClient | Prisma.TransactionClient;

/** Purposes whose links set a password; "verify" links only prove an address. */
export const PASSWORD_PURPOSES = ['setup', 'reset'] as const;

/**
 * The password_tokens table: every one-time link of an account (setup, reset, verify). Only
 * SHA-256 hashes of tokens are stored.
 */
export function createPasswordTokenRepo(prisma: PrismaClient) {
  /** Kills every unused link of the user (all purposes): the facts they were issued for changed. */
  const voidAllForUser = (userId: string, now: Date, db: Db = prisma) =>
    db.passwordToken.updateMany({ where: { userId, usedAt: null }, data: { usedAt: now } });

  return {
    /**
     * Issues a token and kills every older unused one of the same kind (password links or verify
     * links), in one transaction; `db` joins a caller's transaction instead.
     */
    async replaceForUser(data: Prisma.PasswordTokenUncheckedCreateInput, now: Date, db?: Prisma.TransactionClient) {
      const purposes = data.purpose === 'verify' ? ['verify'] : [...PASSWORD_PURPOSES];
      const run = async (tx: Prisma.TransactionClient) => {
        await tx.passwordToken.updateMany({
          where: { userId: data.userId, usedAt: null, purpose: { in: purposes } },
          data: { usedAt: now },
        });
        return tx.passwordToken.create({ data });
      };
      return db ? run(db) : prisma.$transaction(run);
    },
    voidAllForUser,
    findByHash: (tokenHash: string) => prisma.passwordToken.findUnique({ where: { tokenHash } }),
    /**
     * Uses the token up and sets the password, kills the user's other tokens and ends every
     * session, in one transaction. The conditional update makes two simultaneous uses of one
     * token succeed at most once; returns false when this use lost, the token had expired, or the
     * account was deactivated meanwhile (a reset never brings a deactivated account back).
     */
    consumeAndSetPassword: (
      token: { id: string; userId: string },
      hashedPassword: string,
      now: Date,
    ): Promise<boolean> =>
      prisma.$transaction(async (tx) => {
        const { count } = await tx.passwordToken.updateMany({
          where: {
            id: token.id,
            usedAt: null,
            expiresAt: { gt: now },
            purpose: { in: [...PASSWORD_PURPOSES] },
            user: { isActive: true },
          },
          data: { usedAt: now },
        });
        if (count === 0) return false;
        await tx.user.update({
          where: { id: token.userId },
          data: { hashedPassword, passwordChangedAt: now },
        });
        await tx.passwordToken.updateMany({
          where: { userId: token.userId, usedAt: null, purpose: { in: [...PASSWORD_PURPOSES] } },
          data: { usedAt: now },
        });
        await tx.session.updateMany({
          where: { userId: token.userId, revokedAt: null },
          data: { revokedAt: now },
        });
        return true;
      }),
    /**
     * Uses up a verify link and proves the address it was issued for, in one transaction: the
     * account's current address (email_verified_at := now), or its pending change (email :=
     * pending_email, proven). Applying a change voids every other link of the account. Returns
     * null when this use lost (used, expired, deactivated, or the address is no longer the
     * account's current or pending one). A unique violation (the new address was taken
     * meanwhile) rolls everything back and reaches the caller.
     */
    consumeAndProveEmail: (
      token: { id: string; userId: string; email: string },
      now: Date,
    ) =>
      prisma.$transaction(async (tx) => {
        const { count } = await tx.passwordToken.updateMany({
          where: { id: token.id, usedAt: null, expiresAt: { gt: now }, purpose: 'verify', user: { isActive: true } },
          data: { usedAt: now },
        });
        if (count === 0) return null;
        const user = await tx.user.findUnique({ where: { id: token.userId } });
        if (!user) return null;
        if (user.pendingEmail === token.email) {
          const updated = await tx.user.update({
            where: { id: user.id },
            data: { email: token.email, pendingEmail: null, emailVerifiedAt: now },
          });
          await voidAllForUser(user.id, now, tx);
          return { user: updated, previousEmail: user.email };
        }
        if (user.email === token.email) {
          const updated = await tx.user.update({
            where: { id: user.id },
            data: { emailVerifiedAt: user.emailVerifiedAt ?? now },
          });
          await tx.passwordToken.updateMany({
            where: { userId: user.id, usedAt: null, purpose: 'verify', email: token.email },
            data: { usedAt: now },
          });
          return { user: updated, previousEmail: null };
        }
        return null;
      }),
  };
}

export type PasswordTokenRepo = ReturnType<typeof createPasswordTokenRepo>;
