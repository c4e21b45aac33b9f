import type { Prisma, PrismaClient, Session, User } from '../generated/prisma/client.js';

export type { Session };
type Db = PrismaClient | Prisma.TransactionClient;

/** The sessions table. */
export function createSessionRepo(prisma: PrismaClient) {
  return {
    create: (data: Prisma.SessionUncheckedCreateInput) => prisma.session.create({ data }),
    findWithUser: (id: string): Promise<(Session & { user: User }) | null> =>
      prisma.session.findUnique({ where: { id }, include: { user: true } }),
    listLive: (userId: string, now: Date) =>
      prisma.session.findMany({
        where: { userId, revokedAt: null, expiresAt: { gt: now } },
        orderBy: { createdAt: 'desc' },
      }),
    touch: (id: string, now: Date) =>
      prisma.session.update({ where: { id }, data: { lastSeenAt: now } }),
    /** Revokes one live session of this user; returns whether there was one. */
    async revokeOne(id: string, userId: string, now: Date): Promise<boolean> {
      const { count } = await prisma.session.updateMany({
        where: { id, userId, revokedAt: null },
        data: { revokedAt: now },
      });
      return count > 0;
    },
    /** Revokes every live session of the user, except `keepId` if given. */
    revokeAllForUser: (userId: string, now: Date, keepId?: string, db: Db = prisma) =>
      db.session.updateMany({
        where: { userId, revokedAt: null, ...(keepId ? { id: { not: keepId } } : {}) },
        data: { revokedAt: now },
      }),
    /** Deletes rows that can never authenticate again: expired, revoked, or idle since `idleSince`. */
    purgeDead: (now: Date, idleSince: Date) =>
      prisma.session.deleteMany({
        where: { OR: [{ expiresAt: { lt: now } }, { revokedAt: { not: null } }, { lastSeenAt: { lte: idleSince } }] },
      }),
  };
}

export type SessionRepo = ReturnType<typeof createSessionRepo>;
