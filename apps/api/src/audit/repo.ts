import type { Prisma, PrismaClient, AuditEvent } from '../generated/prisma/client.js';

export type { AuditEvent };

export interface AuditQuery {
  userId?: string;
  type?: string;
  /** Only ids below this one. */
  before?: bigint;
  limit: number;
}

/** The audit_events table. */
export function createAuditRepo(prisma: PrismaClient) {
  return {
    create: (data: Prisma.AuditEventCreateInput) => prisma.auditEvent.create({ data }),
    list(query: AuditQuery): Promise<AuditEvent[]> {
      const where: Prisma.AuditEventWhereInput = {};
      if (query.userId !== undefined) where.OR = [{ userId: query.userId }, { actorId: query.userId }];
      if (query.type !== undefined) where.type = query.type;
      if (query.before !== undefined) where.id = { lt: query.before };
      return prisma.auditEvent.findMany({ where, orderBy: { id: 'desc' }, take: query.limit });
    },
    deleteOlderThan: (cutoff: Date) => prisma.auditEvent.deleteMany({ where: { createdAt: { lt: cutoff } } }),
  };
}
