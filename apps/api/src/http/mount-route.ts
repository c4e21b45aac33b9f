import type { RequestHandler, Router } from 'express';
import { ROUTES, type RouteName, type RouteSpec } from '@gatehouse/shared';
import { AppError } from './app-error.js';
import { requireAdmin, requireUser } from './auth-guard.js';
import { validateBody, type RequestValidators } from './validate.js';

export type MountRoute = (name: RouteName, handler: RequestHandler) => void;

/**
 * Mounts a route exactly as the shared ROUTES table describes it — method, path, who may call
 * it, what body it takes — so the API, the OpenAPI document and the web client cannot disagree.
 */
export function createRouteMounter(router: Router, validators: RequestValidators): MountRoute {
  return (name, handler) => {
    const spec: RouteSpec = ROUTES[name];
    const handlers: RequestHandler[] = [];
    if (spec.auth === 'user') handlers.push(requireUser);
    if (spec.auth === 'admin') handlers.push(requireAdmin);
    if (spec.request) {
      handlers.push(validateBody(validators, spec.request.schema, spec.request.contentTypes));
    }
    handlers.push(handler);
    router[spec.method](spec.path, ...handlers);
  };
}

/**
 * For a request no route took: if its path is in the table under other methods, answer
 * 405 METHOD_NOT_ALLOWED with an Allow header (RFC 9110) instead of a misleading 404.
 * Matching mirrors the router's settings: case-sensitive, strict about trailing slashes.
 */
export function createMethodNotAllowedHandler(specs: readonly RouteSpec[] = Object.values(ROUTES)): RequestHandler {
  const patterns = specs.map((spec) => ({
    method: spec.method.toUpperCase(),
    regexp: new RegExp(
      `^${spec.path
        .split('/')
        .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
        .join('/')}$`,
    ),
  }));
  return (req, _res, next) => {
    const allowed = new Set(patterns.filter((p) => p.regexp.test(req.path)).map((p) => p.method));
    if (allowed.size === 0 || allowed.has(req.method)) {
      next();
      return;
    }
    if (allowed.has('GET')) allowed.add('HEAD');
    const allow = [...allowed].join(', ');
    throw new AppError('METHOD_NOT_ALLOWED', `${req.method} is not allowed here; use ${allow}.`, {
      headers: { Allow: allow },
    });
  };
}
