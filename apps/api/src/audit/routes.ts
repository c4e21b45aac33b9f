import { AUDIT_EVENT_TYPES, AUDIT_MAX_PAGE_SIZE, AUDIT_PAGE_SIZE, type AuditEventType } from '@gatehouse/shared';
import { AppError } from '../http/app-error.js';
import type { MountRoute } from '../http/mount-route.js';
import { isUuid } from '../db/uuid.js';
import type { AuditFilter, AuditLog } from './service.js';

const CURSOR = /^[1-9][0-9]{0,18}$/;

function invalid(name: string, expected: string): AppError {
  return new AppError('VALIDATION_ERROR', `Query parameter "${name}" must be ${expected}.`, {
    fieldErrors: [{ field: name, message: `must be ${expected}` }],
  });
}

/** One optional query parameter as a single string; repeated or nested values are refused. */
function readParam(query: Record<string, unknown>, name: string): string | undefined {
  const value = query[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw invalid(name, 'given once, as plain text');
  return value;
}

export function parseAuditQuery(query: Record<string, unknown>): AuditFilter {
  const filter: AuditFilter = { limit: AUDIT_PAGE_SIZE };
  const user = readParam(query, 'user');
  if (user !== undefined) {
    if (!isUuid(user)) throw invalid('user', 'a user id (uuid)');
    filter.userId = user.toLowerCase();
  }
  const type = readParam(query, 'type');
  if (type !== undefined) {
    if (!(AUDIT_EVENT_TYPES as readonly string[]).includes(type)) {
      throw invalid('type', `one of ${AUDIT_EVENT_TYPES.join(', ')}`);
    }
    filter.type = type as AuditEventType;
  }
  const before = readParam(query, 'before');
  if (before !== undefined) {
    if (!CURSOR.test(before)) throw invalid('before', 'an event id (a positive whole number)');
    filter.before = BigInt(before);
  }
  const limit = readParam(query, 'limit');
  if (limit !== undefined) {
    const parsed = /^[0-9]{1,4}$/.test(limit) ? Number(limit) : NaN;
    if (!(parsed >= 1 && parsed <= AUDIT_MAX_PAGE_SIZE)) throw invalid('limit', `a whole number from 1 to ${AUDIT_MAX_PAGE_SIZE}`);
    filter.limit = parsed;
  }
  return filter;
}

export function mountAuditRoutes(mount: MountRoute, audit: AuditLog): void {
  mount('listAuditEvents', async (req, res) => {
    res.json(await audit.list(parseAuditQuery(req.query)));
  });
}
