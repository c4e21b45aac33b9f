import type { LinkedAccount, Prisma, User } from '../generated/prisma/client.js';
import type { Db } from '../db/db-handle.js';
import { isUniqueViolationOn } from '../db/prisma-errors.js';

export type { LinkedAccount };

/** The linked_accounts table: the only writer of it. */
export function createLinkedAccountRepo(db: Db) {
  return {
    findWithUser: (issuer: string, subject: string): Promise<(LinkedAccount & { user: User }) | null> =>
      db.linkedAccount.findUnique({ where: { issuer_subject: { issuer, subject } }, include: { user: true } }),

    listOfUser: (userId: string) => db.linkedAccount.findMany({ where: { userId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }),

    recordLogin: (id: string, email: string | null, now: Date) =>
      db.linkedAccount.update({ where: { id }, data: { lastLoginAt: now, ...(email ? { email } : {}) } }),

    create: (data: Prisma.LinkedAccountUncheckedCreateInput) => db.linkedAccount.create({ data }),

    /** Deletes one of the user's links; returns whether there was one. */
    async deleteOfUser(id: string, userId: string): Promise<boolean> {
      const { count } = await db.linkedAccount.deleteMany({ where: { id, userId } });
      return count > 0;
    },
  };
}

export type LinkedAccountRepo = ReturnType<typeof createLinkedAccountRepo>;

/** The oidc_used_transactions table: the only writer of it. */
export function createOidcTransactionRepo(db: Db) {
  return {
    /**
     * Records a sign-in transaction as used. Returns false when it already was (a replayed
     * callback), on this replica or another: the primary key decides.
     */
    async markUsed(id: string, expiresAt: Date): Promise<boolean> {
      try {
        await db.oidcUsedTransaction.create({ data: { id, expiresAt } });
        return true;
      } catch (error) {
        if (isUniqueViolationOn(error, 'oidc_used_transactions_pkey')) return false;
        throw error;
      }
    },

    purgeExpired: (now: Date) => db.oidcUsedTransaction.deleteMany({ where: { expiresAt: { lt: now } } }),
  };
}

export type OidcTransactionRepo = ReturnType<typeof createOidcTransactionRepo>;
