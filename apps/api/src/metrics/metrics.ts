import type { Request, RequestHandler, Response } from 'express';
import { createRequire } from 'node:module';
import type { Registry } from 'prom-client';

// Loaded only when [metrics] is enabled (createMetrics): an instance without metrics does not
// spend start-up time on prom-client.
const require = createRequire(import.meta.url);
import { API_PREFIX, OIDC_ERROR_PARAM, ROUTES } from '@gatehouse/shared';
import { isAtOrBelow } from '../http/public-url.js';

/** Sign-in routes, by path below the API prefix, and how their answers read as outcomes. */
const PASSWORD_LOGIN_PATHS = new Set<string>([ROUTES.jwtLogin.path, ROUTES.cookieLogin.path]);
const OIDC_CALLBACK_PATHS = new Set<string>([ROUTES.oidcCallback.path, ROUTES.oidcOAuthCallback.path]);

export interface Metrics {
  readonly registry: Registry;
  /** Counts sign-ins and times requests. */
  readonly middleware: RequestHandler;
  /** GET /metrics in the Prometheus text format. */
  readonly handler: RequestHandler;
}

/**
 * prom-client behind one adapter, with a registry per app (never prom-client's global one) so
 * several apps in one process (tests) do not share counts. Labels are route templates, never raw
 * paths, so ids in URLs cannot blow up the number of series.
 */
export function createMetrics(basePath = ''): Metrics {
  const { Counter, Histogram, Registry, collectDefaultMetrics } = require('prom-client') as typeof import('prom-client');
  const registry = new Registry();
  const apiPrefix = basePath + API_PREFIX;
  collectDefaultMetrics({ register: registry, prefix: 'gatehouse_process_' });
  const logins = new Counter({
    name: 'gatehouse_logins_total',
    help: 'Sign-in attempts by method (password or oidc) and result (success, failure, rate_limited).',
    labelNames: ['method', 'result'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'gatehouse_http_request_duration_seconds',
    help: 'Time to answer HTTP requests, by method, route template and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  // Pre-create the sign-in series so a dashboard shows 0 rather than nothing.
  for (const method of ['password', 'oidc']) {
    for (const result of ['success', 'failure', 'rate_limited']) logins.inc({ method, result }, 0);
  }

  const middleware: RequestHandler = (req, res, next) => {
    const stopTimer = latency.startTimer();
    res.on('finish', () => {
      const route = routeTemplate(req, apiPrefix);
      stopTimer({ method: req.method, route, status: String(res.statusCode) });
      const outcome = classifySignIn(req, res, route);
      if (outcome) logins.inc(outcome);
    });
    next();
  };

  const handler: RequestHandler = async (_req, res) => {
    res.set('Content-Type', registry.contentType);
    res.set('Cache-Control', 'no-store');
    res.send(await registry.metrics());
  };

  return { registry, middleware, handler };
}

/** Every API route's template below the prefix ("/users/:id"). */
const API_ROUTE_PATHS = new Set<string>(Object.values(ROUTES).map((route) => route.path));

function routeTemplate(req: Request, apiPrefix: string): string {
  // API routes are mounted with their full path (basePath + API_PREFIX + the table's path): the
  // label is the table's path below API_PREFIX, the same under any sub-path of frontend_url.
  const route = req.route as { path?: unknown } | undefined;
  if (route && typeof route.path === 'string') {
    const below = route.path.startsWith(apiPrefix) ? route.path.slice(apiPrefix.length) : null;
    return below !== null && API_ROUTE_PATHS.has(below) ? `${API_PREFIX}${below}` : route.path;
  }
  if (isAtOrBelow(req.originalUrl.split('?')[0]!, apiPrefix)) return 'unmatched';
  return 'web';
}

function classifySignIn(req: Request, res: Response, route: string): { method: string; result: string } | null {
  if (!route.startsWith(API_PREFIX)) return null;
  const path = route.slice(API_PREFIX.length);
  const status = res.statusCode;
  if (PASSWORD_LOGIN_PATHS.has(path) && req.method === 'POST') {
    if (status === 200 || status === 204) return { method: 'password', result: 'success' };
    if (status === 429) return { method: 'password', result: 'rate_limited' };
    if (status === 400) return { method: 'password', result: 'failure' };
    return null;
  }
  if (OIDC_CALLBACK_PATHS.has(path)) {
    if (status === 429) return { method: 'oidc', result: 'rate_limited' };
    const location = String(res.getHeader('Location') ?? '');
    return { method: 'oidc', result: status === 302 && !location.includes(`?${OIDC_ERROR_PARAM}=`) ? 'success' : 'failure' };
  }
  return null;
}
