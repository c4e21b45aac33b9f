import type { Prisma, Session, User } from '../generated/prisma/client.js';
import type { Db } from '../db/db-handle.js';

export type { Session };

/** The sessions table: the only writer of it. */
export function createSessionRepo(db: Db) {
  return {
    create: (data: Prisma.SessionUncheckedCreateInput) => db.session.create({ data }),
    findWithUser: (id: string): Promise<(Session & { user: User }) | null> => db.session.findUnique({ where: { id }, include: { user: true } }),
    listLive: (userId: string, now: Date) =>
      db.session.findMany({
        where: { userId, revokedAt: null, expiresAt: { gt: now } },
        orderBy: { createdAt: 'desc' },
      }),
    touch: (id: string, now: Date) => db.session.update({ where: { id }, data: { lastSeenAt: now } }),
    /** Revokes one live session of this user; returns whether there was one. */
    async revokeOne(id: string, userId: string, now: Date): Promise<boolean> {
      const { count } = await db.session.updateMany({
        where: { id, userId, revokedAt: null },
        data: { revokedAt: now },
      });
      return count > 0;
    },
    /** Revokes every live session of the user, except `keepId` if given. */
    revokeAllForUser: (userId: string, now: Date, keepId?: string) =>
      db.session.updateMany({
        where: { userId, revokedAt: null, ...(keepId ? { id: { not: keepId } } : {}) },
        data: { revokedAt: now },
      }),
    /** Deletes rows that can never authenticate again: expired, revoked, or idle since `idleSince`. */
    purgeDead: (now: Date, idleSince: Date) =>
      db.session.deleteMany({
        where: { OR: [{ expiresAt: { lt: now } }, { revokedAt: { not: null } }, { lastSeenAt: { lte: idleSince } }] },
      }),
    /** An OIDC session: the provider's ID token, for RP-initiated logout. */
    storeIdToken: (id: string, idToken: string) => db.session.update({ where: { id }, data: { oidcIdToken: idToken } }),
    /** A re-authentication: the session's owner proved themselves again at `now`. */
    markAuthenticated: (id: string, now: Date) => db.session.update({ where: { id }, data: { authenticatedAt: now } }),
  };
}

export type SessionRepo = ReturnType<typeof createSessionRepo>;
