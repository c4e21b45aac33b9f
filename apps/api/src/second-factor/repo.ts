import type { Prisma } from '../generated/prisma/client.js';
import type { Db } from '../db/db-handle.js';

/** The totp_factors table: the only writer of it. */
export function createTotpFactorRepo(db: Db) {
  return {
    find: (userId: string) => db.totpFactor.findUnique({ where: { userId } }),
    /**
     * A new unconfirmed secret: replaces an unconfirmed one, never a confirmed one. Returns false
     * when the account has a confirmed authenticator already.
     */
    async saveUnconfirmed(userId: string, secretEncrypted: string, now: Date): Promise<boolean> {
      const { count } = await db.totpFactor.updateMany({
        where: { userId, confirmedAt: null },
        data: { secretEncrypted, createdAt: now, lastUsedStep: null },
      });
      if (count > 0) return true;
      const created = await db.totpFactor.createMany({ data: [{ userId, secretEncrypted, createdAt: now }], skipDuplicates: true });
      return created.count > 0;
    },
    /** Confirms an unconfirmed authenticator with the step of its first code; false if there was none. */
    async confirm(userId: string, step: bigint, now: Date): Promise<boolean> {
      const { count } = await db.totpFactor.updateMany({ where: { userId, confirmedAt: null }, data: { confirmedAt: now, lastUsedStep: step } });
      return count > 0;
    },
    /**
     * Records the step of an accepted code, only if it is later than the last one: of two requests
     * with the same code, one wins. Returns whether this one did.
     */
    async useStep(userId: string, step: bigint): Promise<boolean> {
      const { count } = await db.totpFactor.updateMany({
        where: { userId, confirmedAt: { not: null }, OR: [{ lastUsedStep: null }, { lastUsedStep: { lt: step } }] },
        data: { lastUsedStep: step },
      });
      return count > 0;
    },
    async remove(userId: string): Promise<boolean> {
      const { count } = await db.totpFactor.deleteMany({ where: { userId } });
      return count > 0;
    },
  };
}

/** The recovery_codes table: the only writer of it. */
export function createRecoveryCodeRepo(db: Db) {
  return {
    /** Replaces every code of the user (used or not) with these. Call within a transaction. */
    async replaceAll(userId: string, codeHashes: readonly string[], now: Date): Promise<void> {
      await db.recoveryCode.deleteMany({ where: { userId } });
      await db.recoveryCode.createMany({ data: codeHashes.map((codeHash) => ({ userId, codeHash, createdAt: now })) });
    },
    /** Spends one unused code; false when it is not one of the user's unused codes (or another request spent it). */
    async use(userId: string, codeHash: string, now: Date): Promise<boolean> {
      const { count } = await db.recoveryCode.updateMany({ where: { userId, codeHash, usedAt: null }, data: { usedAt: now } });
      return count > 0;
    },
    countUnused: (userId: string) => db.recoveryCode.count({ where: { userId, usedAt: null } }),
    removeAll: (userId: string) => db.recoveryCode.deleteMany({ where: { userId } }),
  };
}

/** The pending_sign_ins table: the only writer of it. */
export function createPendingSignInRepo(db: Db) {
  return {
    create: (data: Prisma.PendingSignInUncheckedCreateInput) => db.pendingSignIn.create({ data }),
    find: (id: string) => db.pendingSignIn.findUnique({ where: { id } }),
    recordFailure: (id: string) => db.pendingSignIn.updateMany({ where: { id }, data: { failedAttempts: { increment: 1 } } }),
    /** Completes it, once: false when it was completed already, expired, or refused too many codes. */
    async complete(id: string, now: Date, maxFailures: number): Promise<boolean> {
      const { count } = await db.pendingSignIn.updateMany({
        where: { id, completedAt: null, expiresAt: { gt: now }, failedAttempts: { lt: maxFailures } },
        data: { completedAt: now },
      });
      return count > 0;
    },
    /** Ends every pending sign-in of the user (their second factor was reset or removed). */
    voidAllForUser: (userId: string, now: Date) => db.pendingSignIn.updateMany({ where: { userId, completedAt: null }, data: { expiresAt: now } }),
    purgeDead: (now: Date) => db.pendingSignIn.deleteMany({ where: { OR: [{ expiresAt: { lt: now } }, { completedAt: { not: null } }] } }),
  };
}
