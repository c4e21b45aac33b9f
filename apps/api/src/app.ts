import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import express, { type Express, type RequestHandler } from 'express';
import { API_PREFIX, apiPath } from '@gatehouse/shared';
import type { AppContext } from './context.js';
import { mountAuthMetadataRoute, mountAuthRoutes } from './auth/routes.js';
import { createSessionCookies } from './auth/session-cookies.js';
import { mountOidcRoutes } from './oidc/routes.js';
import { mountSecondFactorRoutes } from './second-factor/routes.js';
import { mountApiKeyRoutes } from './api-keys/routes.js';
import { createAuthenticator, createCsrfGuard, createSessionCacheInvalidator } from './http/auth-guard.js';
import { createErrorMiddleware, notFoundApiHandler } from './http/error-middleware.js';
import { createRequestContext } from './http/request-context.js';
import { createApiSecurityHeaders, createCors, createSecurityHeaders } from './http/security-headers.js';
import { createMetrics } from './metrics/metrics.js';
import { composeMiddleware, createMethodNotAllowedHandler, createRouteMounter } from './http/mount-route.js';
import { compileRequestValidators } from './http/validate.js';
import { mountPasswordResetRoutes } from './password-reset/routes.js';
import { mountSystemRoutes, mountProbeRoutes } from './system/routes.js';
import { mountForwardAuthRoutes } from './forward-auth/routes.js';
import { isAtOrBelow, readPublicUrl } from './http/public-url.js';
import { mountUserRoutes } from './users/routes.js';
import { createServices, type Services } from './services.js';
import { mountAuditRoutes } from './audit/routes.js';

/**
 * The Express app for a context and its services. Never listens: main.ts does, tests mount it
 * with supertest.
 */
export function createApp(ctx: AppContext, services: Services = createServices(ctx)): Express {
  const app = express();
  app.disable('x-powered-by');
  // X-Forwarded-For/-Proto/-Host count only from these peers (req.ip for rate limits and logs).
  app.set('trust proxy', [...ctx.config.server.trusted_proxies]);
  // Paths are matched exactly: the OIDC callback path is case-sensitive and has no trailing slash.
  app.set('case sensitive routing', true);
  app.set('strict routing', true);
  // No ETag on API answers: they are all Cache-Control: no-store, so nothing would ever revalidate
  // one, and hashing every body cost ~3% of a request. The web UI's files have their own (below).
  app.set('etag', false);
  app.use(createRequestContext(ctx.logger));
  // The API's answers get their own short set of security headers (Cache-Control: no-store
  // among them); everything else, helmet's set for pages (see createSecurityHeaders).
  const apiHeaders = createApiSecurityHeaders(ctx.config);
  // Under a sub-path frontend_url (https://media.example.com/auth) everything lives below it: the
  // proxy passes the path on unchanged.
  const { basePath } = readPublicUrl(ctx.config);
  const apiPrefix = basePath + API_PREFIX;
  const validators = compileRequestValidators();
  // Off by default: /metrics has no authentication, so the operator decides to expose it.
  if (ctx.config.metrics.enabled) {
    const metrics = createMetrics(basePath);
    app.use(metrics.middleware);
    app.get('/metrics', apiHeaders, metrics.handler);
  }

  // The health probes also answer at the root, for container health checks and orchestrators
  // that call the process directly.
  if (basePath !== '') {
    const probes = express.Router({ caseSensitive: true, strict: true });
    probes.use(apiHeaders);
    mountProbeRoutes(createRouteMounter(probes, validators), ctx);
    app.use(API_PREFIX, probes);
  }
  // Generated clients (openapi-typescript, as MediaManager's web client uses) look for the OpenAPI
  // document at the root: that path is answered by the API's own route, as if asked there.
  const rootOpenApiPath = `${basePath}/openapi.json`;
  app.use((req, _res, next) => {
    if (req.path === rootOpenApiPath) req.url = basePath + apiPath('openapi');
    next();
  });

  const authService = services.auth;
  // Every API request's front stack, in this order, as one layer. Request bodies are read by the
  // routes that take one (http/mount-route.ts), after the caller has been authenticated and the
  // CSRF guard has passed.
  const apiFront = composeMiddleware([
    apiHeaders,
    createCors(ctx.config),
    createSessionCacheInvalidator(services.forgetCachedChecks),
    createAuthenticator(authService, (token, ipAddress) => services.apiKeys.authenticate(token, ipAddress)),
    createCsrfGuard(ctx.config),
  ]);
  app.use((req, res, next) => {
    if (isAtOrBelow(req.path, apiPrefix)) apiFront(req, res, next);
    else next();
  });

  // The API's routes sit in the app's own router with their full path, rather than in a router
  // of their own mounted at the prefix: a nested router costs every request a second dispatch
  // and a rewrite of req.url there and back (~6% of a small answer, bench/profile-one.mjs).
  const mount = createRouteMounter(app.router, validators, apiPrefix);
  // The router tries routes in the order they were mounted, so the ones called on every request
  // come first: the reverse proxy's forward-auth check, the web UI's metadata and the apps'
  // /users/me (no two modules' paths overlap, so the order changes nothing else).
  mountForwardAuthRoutes(mount, ctx, authService, services.apiKeys);
  mountAuthMetadataRoute(mount, ctx);
  mountUserRoutes(mount, services.users);
  // OpenID Connect: its discovery cache lives as long as the services (one per process).
  const { oidc } = services;
  mountAuthRoutes(mount, ctx, authService, (session) => oidc.findEndSessionUrl(session));
  mountOidcRoutes(mount, ctx, oidc, createSessionCookies(ctx, authService), services.reauthentication);
  mountApiKeyRoutes(mount, services.apiKeys, services.users.getById);
  mountSecondFactorRoutes(mount, ctx, services.secondFactor, services.passkeys, authService, services.users.getById);
  mountPasswordResetRoutes(mount, services.passwordReset, services.emailProof);
  mountAuditRoutes(mount, services.audit);
  mountSystemRoutes(mount, ctx);
  // What no API route took: 405 with Allow when the path exists under other methods, else 404.
  app.use(apiPrefix, createMethodNotAllowedHandler(), notFoundApiHandler);

  app.use(createSecurityHeaders(ctx.config));
  if (ctx.webDistDir) app.use(basePath || '/', createWebUiHandler(ctx.webDistDir, basePath));
  app.use(notFoundApiHandler);
  app.use(createErrorMiddleware(ctx.logger));
  return app;
}

/**
 * Serves the built SPA: its files, and index.html for any other GET outside the API so that
 * client-side routes (/login, /admin/users, /reset-password) survive a reload. The bundle refers
 * to its assets relatively; the <base href> written into index.html here makes them (and the
 * SPA's router and API calls, which read it) resolve under the sub-path of frontend_url.
 */
function createWebUiHandler(distDir: string, basePath: string): RequestHandler {
  const indexFile = path.join(distDir, 'index.html');
  const serveStatic = express.static(distDir, { index: false, maxAge: '1h' });
  let indexHtml: { html: string; etag: string } | null = null;
  const readIndexHtml = () => {
    if (indexHtml === null && fs.existsSync(indexFile)) {
      const html = insertBaseHref(fs.readFileSync(indexFile, 'utf8'), `${basePath}/`);
      indexHtml = { html, etag: `"${crypto.createHash('sha256').update(html).digest('base64url').slice(0, 27)}"` };
    }
    return indexHtml;
  };
  return (req, res, next) => {
    if (isAtOrBelow(req.path, API_PREFIX)) {
      next();
      return;
    }
    serveStatic(req, res, () => {
      // A missing file (/assets/old-build.js) is a 404, not the app shell.
      const isFileRequest = path.posix.basename(req.path).includes('.');
      const index = readIndexHtml();
      if ((req.method !== 'GET' && req.method !== 'HEAD') || isFileRequest || index === null) {
        next();
        return;
      }
      // no-cache: revalidated on every load, so a new build shows at once; res.send answers 304
      // to a matching If-None-Match.
      res.set({ 'Cache-Control': 'no-cache', ETag: index.etag });
      res.type('html').send(index.html);
    });
  };
}

/** Adds (or replaces) <base href> as the first element of <head>. */
export function insertBaseHref(html: string, href: string): string {
  const tag = `<base href="${href.replace(/[&"<>]/g, '')}" />`;
  const withoutBase = html.replace(/<base\s[^>]*>\s*/i, '');
  return withoutBase.replace(/<head>/i, `<head>\n    ${tag}`);
}
