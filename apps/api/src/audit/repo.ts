import type { Prisma, AuditEvent } from '../generated/prisma/client.js';
import type { Db } from '../db/db-handle.js';

export type { AuditEvent };

export interface AuditQuery {
  userId?: string;
  type?: string;
  /** Only ids below this one. */
  before?: bigint;
  limit: number;
}

/** The audit_events table: the only writer of it. */
export function createAuditRepo(db: Db) {
  return {
    create: (data: Prisma.AuditEventCreateInput) => db.auditEvent.create({ data }),
    list(query: AuditQuery): Promise<AuditEvent[]> {
      const where: Prisma.AuditEventWhereInput = {};
      if (query.userId !== undefined) where.OR = [{ userId: query.userId }, { actorId: query.userId }];
      if (query.type !== undefined) where.type = query.type;
      if (query.before !== undefined) where.id = { lt: query.before };
      return db.auditEvent.findMany({ where, orderBy: { id: 'desc' }, take: query.limit });
    },
    deleteOlderThan: (cutoff: Date) => db.auditEvent.deleteMany({ where: { createdAt: { lt: cutoff } } }),
  };
}

export type AuditRepo = ReturnType<typeof createAuditRepo>;
