import type { LinkedAccount, Prisma, PrismaClient, User } from '../generated/prisma/client.js';
import { isUniqueViolation } from '../users/repo.js';

export type { LinkedAccount };

/** linked_accounts, oidc_used_transactions, the OIDC columns of sessions, and email proof by a provider. */
export function createOidcRepo(prisma: PrismaClient) {
  return {
    findLinkWithUser: (issuer: string, subject: string): Promise<(LinkedAccount & { user: User }) | null> =>
      prisma.linkedAccount.findUnique({ where: { issuer_subject: { issuer, subject } }, include: { user: true } }),

    listLinksOfUser: (userId: string) =>
      prisma.linkedAccount.findMany({ where: { userId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }),

    recordLinkLogin: (id: string, email: string | null, now: Date) =>
      prisma.linkedAccount.update({ where: { id }, data: { lastLoginAt: now, ...(email ? { email } : {}) } }),

    /** A link to an existing account and its audit events, together or not at all. */
    createLink: (data: Prisma.LinkedAccountUncheckedCreateInput, auditRows: Prisma.AuditEventCreateInput[]) =>
      prisma.$transaction(async (tx) => {
        const link = await tx.linkedAccount.create({ data });
        for (const auditRow of auditRows) await tx.auditEvent.create({ data: auditRow });
        return link;
      }),

    /** Deletes one of the user's links; returns whether there was one. */
    async deleteLinkOfUser(id: string, userId: string): Promise<boolean> {
      const { count } = await prisma.linkedAccount.deleteMany({ where: { id, userId } });
      return count > 0;
    },

    /** A new account, its link and their audit events, together or not at all. */
    createUserWithLink: (
      user: Prisma.UserCreateInput,
      link: Omit<Prisma.LinkedAccountUncheckedCreateInput, 'userId'>,
      auditRowsFor: (created: User) => Prisma.AuditEventCreateInput[],
    ) =>
      prisma.$transaction(async (tx) => {
        const created = await tx.user.create({ data: user });
        await tx.linkedAccount.create({ data: { ...link, userId: created.id } });
        for (const auditRow of auditRowsFor(created)) await tx.auditEvent.create({ data: auditRow });
        return created;
      }),

    /**
     * Records a sign-in transaction as used. Returns false when it already was (a replayed
     * callback), on this replica or another: the primary key decides.
     */
    async markTransactionUsed(id: string, expiresAt: Date): Promise<boolean> {
      try {
        await prisma.oidcUsedTransaction.create({ data: { id, expiresAt } });
        return true;
      } catch (error) {
        if (isUniqueViolation(error)) return false;
        throw error;
      }
    },

    purgeUsedTransactions: (now: Date) => prisma.oidcUsedTransaction.deleteMany({ where: { expiresAt: { lt: now } } }),

    storeSessionIdToken: (sessionId: string, idToken: string) =>
      prisma.session.update({ where: { id: sessionId }, data: { oidcIdToken: idToken } }),

    /** A re-authentication: the session's owner proved themselves again at `now`. */
    markSessionAuthenticated: (sessionId: string, now: Date) =>
      prisma.session.update({ where: { id: sessionId }, data: { authenticatedAt: now } }),

    /**
     * The provider vouched (email_verified: true) for the account's address: proves it, only if it is
     * still that address and not yet proven (a concurrent email change wins). Returns the user as is now.
     */
    async proveEmailIfCurrent(userId: string, email: string, now: Date): Promise<User | null> {
      await prisma.user.updateMany({ where: { id: userId, email, emailVerifiedAt: null }, data: { emailVerifiedAt: now } });
      return prisma.user.findUnique({ where: { id: userId } });
    },
  };
}

export type OidcRepo = ReturnType<typeof createOidcRepo>;

/** Which unique constraint a P2002 hit: Prisma names the fields in meta.target (or the driver's). */
export function isUniqueViolationOn(error: unknown, field: string): boolean {
  if (!isUniqueViolation(error)) return false;
  const meta = (error as { meta?: { target?: unknown; driverAdapterError?: unknown } }).meta;
  const text = JSON.stringify(meta ?? {});
  return text.includes(field);
}
