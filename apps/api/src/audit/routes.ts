import { AUDIT_PAGE_SIZE, type AuditEventQuery } from '@gatehouse/shared';
import type { MountRoute } from '../http/mount-route.js';
import { readQuery } from '../http/validate.js';
import type { AuditFilter, AuditLog } from './service.js';

/** The filter from GET /audit's query string, which the route mounter has checked (queries.ts). */
function toAuditFilter(query: AuditEventQuery): AuditFilter {
  return {
    limit: query.limit === undefined ? AUDIT_PAGE_SIZE : Number(query.limit),
    ...(query.user !== undefined ? { userId: query.user.toLowerCase() } : {}),
    ...(query.type !== undefined ? { type: query.type } : {}),
    ...(query.before !== undefined ? { before: BigInt(query.before) } : {}),
  };
}

export function mountAuditRoutes(mount: MountRoute, audit: AuditLog): void {
  mount('listAuditEvents', async (_req, res) => {
    res.json(await audit.list(toAuditFilter(readQuery(res, 'AuditEventQuery'))));
  });
}
