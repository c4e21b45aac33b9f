import type { Express } from 'express';
import { API_PREFIX } from '@gatehouse/shared';

export interface MountedRoute {
  /** Upper-case HTTP method ("ALL" for router.all()). */
  method: string;
  /** Full path in Express syntax, mount prefixes included: "/api/v1/users/:id". */
  path: string;
}

interface LayerLike {
  handle?: unknown;
  route?: { path?: unknown; methods?: Record<string, unknown> };
  rawPath?: unknown;
  match?: (path: string) => unknown;
}

/**
 * Every route an Express 5 app has mounted, found by walking its router stack (app.router →
 * layers → nested routers' `handle.stack`). For tests that compare the app with its contract.
 *
 * Express keeps no public route list, so this reads router internals, defensively: a mounted
 * router's prefix is `layer.rawPath` (router >= 2.3); older routers do not keep the string, so the
 * prefix is then recovered by asking the layer which of `candidatePrefixes` it matches. A layer
 * that cannot be understood throws rather than being skipped, so a change in Express shows up
 * as a failing test, not as an empty (and vacuously equal) list.
 */
export function listMountedRoutes(app: Express, candidatePrefixes: readonly string[] = [API_PREFIX]): MountedRoute[] {
  const appRecord = app as unknown as { router?: unknown; _router?: unknown };
  const rootRouter = appRecord.router ?? appRecord._router;
  const rootStack = readStack(rootRouter);
  if (!rootStack) throw new Error('listMountedRoutes: the app has no router stack (Express internals changed?)');
  const routes: MountedRoute[] = [];
  walkStack(rootStack, '', candidatePrefixes, routes);
  return routes;
}

function readStack(router: unknown): LayerLike[] | null {
  if ((typeof router !== 'function' && typeof router !== 'object') || router === null) return null;
  const stack = (router as { stack?: unknown }).stack;
  return Array.isArray(stack) ? (stack as LayerLike[]) : null;
}

function walkStack(stack: readonly LayerLike[], prefix: string, candidatePrefixes: readonly string[], out: MountedRoute[]): void {
  for (const layer of stack) {
    if (layer.route) {
      const methods = Object.entries(layer.route.methods ?? {})
        .filter(([, isOn]) => Boolean(isOn))
        .map(([method]) => (method === '_all' ? 'ALL' : method.toUpperCase()));
      if (methods.length === 0) throw new Error(`listMountedRoutes: route ${String(layer.route.path)} has no methods`);
      for (const routePath of toPathList(layer.route.path)) {
        for (const method of methods) out.push({ method, path: joinPaths(prefix, routePath) });
      }
      continue;
    }
    const nested = readStack(layer.handle);
    if (nested) walkStack(nested, joinPaths(prefix, findMountPath(layer, prefix, candidatePrefixes)), candidatePrefixes, out);
    // Anything else is plain middleware (body parsers, guards, error handlers): not a route.
  }
}

function toPathList(path: unknown): string[] {
  if (typeof path === 'string') return [path];
  if (Array.isArray(path)) return path.flat(Infinity).map((p) => (typeof p === 'string' ? p : String(p)));
  if (path instanceof RegExp) return [String(path)];
  throw new Error(`listMountedRoutes: unexpected route path ${String(path)}`);
}

function findMountPath(layer: LayerLike, prefix: string, candidatePrefixes: readonly string[]): string {
  if (typeof layer.rawPath === 'string') return layer.rawPath === '/' ? '' : layer.rawPath;
  if (typeof layer.match === 'function') {
    for (const candidate of candidatePrefixes) {
      if (!candidate.startsWith(prefix)) continue;
      const relative = candidate.slice(prefix.length) || '/';
      const match = layer.match(relative) as { path?: unknown } | false;
      if (match && match.path === relative) return relative === '/' ? '' : relative;
    }
    // Matches everything: mounted without a path.
    if (layer.match('/__list_mounted_routes_probe__')) return '';
  }
  throw new Error('listMountedRoutes: cannot tell where a nested router is mounted (Express internals changed?)');
}

function joinPaths(prefix: string, path: string): string {
  if (path === '' || path === '/') return prefix || '/';
  return prefix + path;
}
