import express, { type RequestHandler, type Router } from 'express';
import { ROUTES, type RouteName, type RouteSpec } from '@gatehouse/shared';
import { AppError } from './app-error.js';
import { requireAdmin, requireUser } from './auth-guard.js';
import { reenterRequestScope } from './request-context.js';
import { validateBody, validateQuery, type RequestValidators } from './validate.js';

/** Request bodies here are a few fields; anything bigger is not a legitimate client. */
const BODY_LIMIT = '16kb';
const parseJson = express.json({ limit: BODY_LIMIT });
const parseForm = express.urlencoded({ extended: false, limit: BODY_LIMIT, parameterLimit: 20 });

export interface MountOptions {
  /**
   * Runs before everything else the route checks: for a route whose callers are decided by
   * something other than a session (ForwardAuth answers only trusted proxies), so a stranger is
   * refused as such before being told what was wrong with the query.
   */
  guard?: RequestHandler;
}

export type MountRoute = (name: RouteName, handler: RequestHandler, options?: MountOptions) => void;

/**
 * Mounts a route exactly as the shared ROUTES table describes it — method, path, who may call
 * it, what query and body it takes — so the API, the OpenAPI document and the web client cannot disagree.
 * `prefix` goes before the table's path: the API's routes sit in the app's own router with their
 * full path (app.ts says why).
 */
export function createRouteMounter(router: Router, validators: RequestValidators, prefix = ''): MountRoute {
  return (name, handler, options = {}) => {
    const spec: RouteSpec = ROUTES[name];
    const handlers: RequestHandler[] = options.guard ? [options.guard] : [];
    // An account awaiting approval, or a session that must add a second factor first, passes only
    // the routes that allow it, whatever their handler does.
    if (spec.auth === 'user') {
      handlers.push(requireUser({ allowPending: spec.allowPending === true, allowEnrolment: spec.allowEnrolment === true, apiKey: spec.apiKey }));
    }
    if (spec.auth === 'admin') handlers.push(requireAdmin({ apiKey: spec.apiKey }));
    if (spec.query) handlers.push(validateQuery(validators, spec.query));
    if (spec.request) {
      // Only routes that take a body read one, and only once the caller may call them: every
      // other request skips the parsers, and a refused one is answered without reading its body.
      const { contentTypes } = spec.request;
      if (contentTypes.includes('application/json')) handlers.push(parseJson);
      if (contentTypes.includes('application/x-www-form-urlencoded')) handlers.push(parseForm);
      handlers.push(reenterRequestScope, validateBody(validators, spec.request.schema, contentTypes));
    }
    handlers.push(handler);
    router[spec.method](prefix + spec.path, ...handlers);
  };
}

/**
 * Several middleware as one router layer, run in turn exactly as if each were mounted with its
 * own use(): next() goes on to the following one, next(error) — or a throw, or a rejected promise,
 * as Express 5 treats them — leaves the chain for the error handlers, and one that answers (and
 * does not call next) ends it. Every API request passes the same front stack (headers, CORS,
 * authentication, CSRF); as one layer it pays Express's router once instead of once per piece,
 * which was the largest share of a ForwardAuth check (bench/profile-one.mjs).
 */
export function composeMiddleware(handlers: readonly RequestHandler[]): RequestHandler {
  return (req, res, done) => {
    let index = 0;
    const next = (error?: unknown): void => {
      if (error) {
        done(error);
        return;
      }
      const handler = handlers[index];
      index += 1;
      if (!handler) {
        done();
        return;
      }
      try {
        const result: unknown = handler(req, res, next);
        if (result instanceof Promise) result.catch((rejection: unknown) => done(rejection ?? new Error('Rejected promise')));
      } catch (thrown) {
        done(thrown);
      }
    };
    next();
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
