import type { Prisma, PrismaClient } from '../generated/prisma/client.js';

/** The password_tokens table (only SHA-256 hashes of tokens are stored). */
export function createPasswordTokenRepo(prisma: PrismaClient) {
  return {
    /** Issues a token and kills every older unused one of the user, in one transaction. */
    replaceForUser: (data: Prisma.PasswordTokenUncheckedCreateInput, now: Date) =>
      prisma.$transaction(async (tx) => {
        await tx.passwordToken.updateMany({
          where: { userId: data.userId, usedAt: null },
          data: { usedAt: now },
        });
        return tx.passwordToken.create({ data });
      }),
    voidAllForUser: (userId: string, now: Date) =>
      prisma.passwordToken.updateMany({ where: { userId, usedAt: null }, data: { usedAt: now } }),
    findByHash: (tokenHash: string) => prisma.passwordToken.findUnique({ where: { tokenHash } }),
    /**
     * Uses the token up and sets the password, kills the user's other tokens and ends every
     * session, in one transaction. The conditional update makes two simultaneous uses of one
     * token succeed at most once; returns false when this use lost (or the token had expired).
     */
    consumeAndSetPassword: (
      token: { id: string; userId: string },
      hashedPassword: string,
      now: Date,
    ): Promise<boolean> =>
      prisma.$transaction(async (tx) => {
        const { count } = await tx.passwordToken.updateMany({
          where: { id: token.id, usedAt: null, expiresAt: { gt: now } },
          data: { usedAt: now },
        });
        if (count === 0) return false;
        await tx.user.update({
          where: { id: token.userId },
          data: { hashedPassword, passwordChangedAt: now },
        });
        await tx.passwordToken.updateMany({
          where: { userId: token.userId, usedAt: null },
          data: { usedAt: now },
        });
        await tx.session.updateMany({
          where: { userId: token.userId, revokedAt: null },
          data: { revokedAt: now },
        });
        return true;
      }),
  };
}
