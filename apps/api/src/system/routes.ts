import type { Health } from '@gatehouse/shared';
import type { AppContext } from '../context.js';
import type { MountRoute } from '../http/mount-route.js';
import { buildOpenApiDocument } from '../openapi/build-openapi.js';

const HEALTH_DB_TIMEOUT_MS = 3000;

export function mountSystemRoutes(mount: MountRoute, ctx: AppContext): void {
  mount('health', async (_req, res) => {
    const isDatabaseUp = await Promise.race([
      ctx.db.ping().then(
        () => true,
        () => false,
      ),
      new Promise<boolean>((resolve) => setTimeout(resolve, HEALTH_DB_TIMEOUT_MS, false).unref()),
    ]);
    const body: Health = isDatabaseUp
      ? { status: 'ok', database: 'ok' }
      : { status: 'unavailable', database: 'unreachable' };
    res.status(isDatabaseUp ? 200 : 503).json(body);
  });

  const openApiDocument = buildOpenApiDocument(ctx.version);
  mount('openapi', (_req, res) => {
    res.json(openApiDocument);
  });
}
