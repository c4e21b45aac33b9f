import type { Health, Liveness, Readiness } from '@gatehouse/shared';
import type { AppContext } from '../context.js';
import type { MountRoute } from '../http/mount-route.js';
import { buildOpenApiDocument } from '../openapi/build-openapi.js';
import { withTimeout } from '../timeout.js';
import { listAppliedMigrationNames } from '../db/migrate.js';
import { logAccessAtDebug } from '../http/request-context.js';

const HEALTH_DB_TIMEOUT_MS = 3000;

/** Resolves `fallback` if `promise` has not settled (or has failed) within the timeout. */
function withinTimeout<T>(promise: Promise<T>, fallback: T): Promise<T> {
  return withTimeout(promise, HEALTH_DB_TIMEOUT_MS, () => new Error('timed out')).catch(() => fallback);
}

/**
 * How long one database ping answers for: the probes need no sign-in, so however often they come
 * (an orchestrator polling every few milliseconds, or anyone on the network), they cost the
 * database at most one query per second. Probes that arrive while a ping runs share it.
 */
export const DATABASE_PING_REUSE_MS = 1000;

/**
 * Liveness (/health: the process answers) and readiness (/health/ready: the database answers and
 * every migration this build ships is applied). Both are bounded in time: a database that hangs
 * makes them answer 503 after 3 s, never hang an orchestrator's probe.
 */
export function mountProbeRoutes(mount: MountRoute, ctx: AppContext): void {
  let lastPing: { startedAt: number; isUp: Promise<boolean> } | null = null;
  const pingDatabase = (): Promise<boolean> => {
    const now = performance.now();
    if (lastPing === null || now - lastPing.startedAt >= DATABASE_PING_REUSE_MS) {
      lastPing = {
        startedAt: now,
        isUp: withinTimeout(
          ctx.db.ping().then(() => true),
          false,
        ),
      };
    }
    return lastPing.isUp;
  };

  mount('health', async (_req, res) => {
    const isDatabaseUp = await pingDatabase();
    const body: Health = isDatabaseUp ? { status: 'ok', database: 'ok' } : { status: 'unavailable', database: 'unreachable' };
    // A probe every few seconds: its access line at debug while it says all is well.
    if (isDatabaseUp) logAccessAtDebug(res);
    res.status(isDatabaseUp ? 200 : 503).json(body);
  });

  // For an orchestrator's liveness probe: restarting a replica cures nothing a database outage
  // causes (the restarted one would only fail its migrations), so this one never asks the database.
  mount('healthLive', (_req, res) => {
    logAccessAtDebug(res);
    res.json({ status: 'ok' } satisfies Liveness);
  });

  mount('healthReady', async (_req, res) => {
    const isDatabaseUp = await pingDatabase();
    // No migrations table yet (a first start still migrating) counts as pending.
    const applied = isDatabaseUp ? await withinTimeout(listAppliedMigrationNames(ctx.db), new Set<string>()) : null;
    const migrations: Readiness['migrations'] =
      applied === null ? 'unknown' : ctx.expectedMigrations.every((name) => applied.has(name)) ? 'ok' : 'pending';
    const isReady = migrations === 'ok';
    const body: Readiness = {
      status: isReady ? 'ready' : 'not_ready',
      database: isDatabaseUp ? 'ok' : 'unreachable',
      migrations,
    };
    if (isReady) logAccessAtDebug(res);
    res.status(isReady ? 200 : 503).json(body);
  });
}

export function mountSystemRoutes(mount: MountRoute, ctx: AppContext): void {
  mountProbeRoutes(mount, ctx);
  const openApiDocument = buildOpenApiDocument(ctx.version);
  mount('openapi', (_req, res) => {
    res.json(openApiDocument);
  });
}
