/**
 * The audit trail: services call record() at the point where something happened. Events name who
 * did it (a user, the CLI, Gatehouse itself, or an anonymous caller), the account it concerns and
 * what changed — never a password, token or secret: details pass through a filter that drops any
 * key that could hold one, so a careless caller cannot leak one into the table.
 */
import {
  AUDIT_MAX_PAGE_SIZE,
  type AuditActorType,
  type AuditEvent as AuditEventRead,
  type AuditEventPage,
  type AuditEventType,
} from '@gatehouse/shared';
import type { AppContext } from '../context.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { AuditEvent, AuditRepo } from './repo.js';

export type AuditActor = { type: 'user'; id: string; email: string } | { type: Exclude<AuditActorType, 'user'> };

export const CLI_ACTOR: AuditActor = { type: 'cli' };
export const SYSTEM_ACTOR: AuditActor = { type: 'system' };
export const ANONYMOUS_ACTOR: AuditActor = { type: 'anonymous' };

export function actorOf(user: { id: string; email: string }): AuditActor {
  return { type: 'user', id: user.id, email: user.email };
}

export interface AuditRecord {
  type: AuditEventType;
  actor: AuditActor;
  /** The account the event is about (for a failed sign-in to an unknown email: only the email). */
  user?: { id: string | null; email: string | null } | null;
  method?: 'password' | 'oidc' | 'passkey';
  provider?: string;
  ipAddress?: string | null;
  details?: Record<string, unknown>;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const MAX_TEXT = 300;
/** Keys that could carry a credential are dropped from details, wherever they are nested. */
const SECRET_KEY = /pass|secret|token|hash|code|cookie|authorization|credential|key/i;

/** Copies details, dropping secret-looking keys and bounding strings, depth and size. */
export function scrubDetails(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.slice(0, MAX_TEXT);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return value;
  if (depth >= 3) return null;
  if (Array.isArray(value)) return value.slice(0, 20).map((item) => scrubDetails(item, depth + 1));
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value).slice(0, 30)) {
      if (SECRET_KEY.test(key) || child === undefined) continue;
      out[key] = scrubDetails(child, depth + 1);
    }
    return out;
  }
  return null;
}

export function toAuditEventRead(event: AuditEvent): AuditEventRead {
  return {
    id: event.id.toString(),
    created_at: event.createdAt.toISOString(),
    type: event.type as AuditEventType,
    actor_type: event.actorType,
    actor_id: event.actorId,
    actor_email: event.actorEmail,
    user_id: event.userId,
    user_email: event.userEmail,
    method: event.method,
    provider: event.provider,
    ip_address: event.ipAddress,
    details: (event.details ?? {}) as Record<string, unknown>,
  };
}

export interface AuditFilter {
  userId?: string;
  type?: AuditEventType;
  before?: bigint;
  limit: number;
}

export interface AuditLogDeps extends Pick<AppContext, 'clock' | 'logger' | 'config'> {
  readonly auditEvents: AuditRepo;
}

export function createAuditLog(deps: AuditLogDeps) {
  const { auditEvents: repo } = deps;
  /** The row for one event, for callers that write it inside their own transaction. */
  function row(event: AuditRecord): Prisma.AuditEventCreateInput {
    return {
      createdAt: deps.clock.now(),
      type: event.type,
      actorType: event.actor.type,
      actorId: event.actor.type === 'user' ? event.actor.id : null,
      actorEmail: event.actor.type === 'user' ? event.actor.email : null,
      userId: event.user?.id ?? null,
      userEmail: event.user?.email?.slice(0, MAX_TEXT) ?? null,
      method: event.method ?? null,
      provider: event.provider?.slice(0, MAX_TEXT) ?? null,
      ipAddress: event.ipAddress ?? null,
      details: scrubDetails(event.details ?? {}) as Prisma.InputJsonValue,
    };
  }
  return {
    row,

    /**
     * Writes one event. A failure to write is logged, not thrown: the action it describes has
     * already happened, and failing the request now would only hide that from the user.
     */
    async record(event: AuditRecord): Promise<void> {
      try {
        await repo.create(row(event));
      } catch (error) {
        deps.logger.error({ err: error, audit_type: event.type }, 'Could not write an audit event');
      }
    },

    async list(filter: AuditFilter): Promise<AuditEventPage> {
      const limit = Math.min(Math.max(filter.limit, 1), AUDIT_MAX_PAGE_SIZE);
      const rows = await repo.list({ ...filter, limit: limit + 1 });
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return {
        events: page.map(toAuditEventRead),
        next_before: rows.length > limit && last ? last.id.toString() : null,
      };
    },

    /** Deletes events older than [audit] retention_days; returns how many. */
    async prune(): Promise<number> {
      const cutoff = new Date(deps.clock.now().getTime() - deps.config.audit.retention_days * DAY_MS);
      const { count } = await repo.deleteOlderThan(cutoff);
      if (count > 0) {
        deps.logger.info({ count, retention_days: deps.config.audit.retention_days }, 'Pruned old audit events');
      }
      return count;
    },
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;
