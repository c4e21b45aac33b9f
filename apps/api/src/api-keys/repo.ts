import type { ApiKey, Prisma, User } from '../generated/prisma/client.js';
import type { Db } from '../db/db-handle.js';

export type ApiKeyWithUser = ApiKey & { user: User };

/** The api_keys table: the only writer of it. */
export function createApiKeyRepo(db: Db) {
  return {
    create: (data: Prisma.ApiKeyUncheckedCreateInput) => db.apiKey.create({ data }),
    findWithUser: (keyId: string): Promise<ApiKeyWithUser | null> => db.apiKey.findUnique({ where: { keyId }, include: { user: true } }),
    findById: (id: string) => db.apiKey.findUnique({ where: { id } }),
    /** Keys not revoked, newest first. */
    listLiveOfUser: (userId: string) => db.apiKey.findMany({ where: { userId, revokedAt: null }, orderBy: { createdAt: 'desc' } }),
    async rename(id: string, userId: string, name: string) {
      const { count } = await db.apiKey.updateMany({ where: { id, userId, revokedAt: null }, data: { name } });
      return count > 0 ? db.apiKey.findUnique({ where: { id } }) : null;
    },
    /** Revokes a live key (of `userId`, when given); the key as it was, or null when there was none. */
    async revoke(id: string, now: Date, userId?: string) {
      const key = await db.apiKey.findUnique({ where: { id } });
      if (!key || key.revokedAt !== null || (userId !== undefined && key.userId !== userId)) return null;
      const { count } = await db.apiKey.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: now } });
      return count > 0 ? key : null;
    },
    touch: (id: string, now: Date, ip: string | null) => db.apiKey.update({ where: { id }, data: { lastUsedAt: now, lastUsedIp: ip } }),
  };
}
