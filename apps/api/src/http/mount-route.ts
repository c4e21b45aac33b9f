import type { RequestHandler, Router } from 'express';
import { ROUTES, type RouteName, type RouteSpec } from '@gatehouse/shared';
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
