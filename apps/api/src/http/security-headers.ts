import cors from 'cors';
import helmet from 'helmet';
import type { RequestHandler } from 'express';
import type { Config } from '../config/types.js';
import { CSRF_HEADER } from '@gatehouse/shared';
import { REQUEST_ID_HEADER } from './request-context.js';

/** A year, without includeSubDomains: other hosts of the domain may not all be on https. */
const HSTS_MAX_AGE_S = 31_536_000;
const isHttps = (config: Config) => new URL(config.misc.frontend_url).protocol === 'https:';

/**
 * The headers of every API answer, set in one go from a list made at start-up. An API answer is
 * JSON (or a redirect), never a page, so it gets the short set OWASP's REST Security Cheat Sheet
 * gives for APIs rather than the web UI's: nothing may load from it or frame it (default-src
 * 'none', frame-ancestors 'none', X-Frame-Options for old browsers), no MIME sniffing, no
 * Referer, no cross-origin embedding, HSTS on https, and no caching (answers name a person).
 * helmet's per-answer middleware chain cost a twentieth of a request here, on the routes every
 * guarded request and page load go through (bench/run.mjs).
 */
export function createApiSecurityHeaders(config: Config): RequestHandler {
  const headers: [string, string][] = [
    ['Cache-Control', 'no-store'],
    ['Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"],
    ['Cross-Origin-Resource-Policy', 'same-origin'],
    ['Referrer-Policy', 'no-referrer'],
    ['X-Content-Type-Options', 'nosniff'],
    ['X-Frame-Options', 'DENY'],
    ['X-Permitted-Cross-Domain-Policies', 'none'],
  ];
  if (isHttps(config)) headers.push(['Strict-Transport-Security', `max-age=${HSTS_MAX_AGE_S}`]);
  return (_req, res, next) => {
    for (const [name, value] of headers) res.setHeader(name, value);
    next();
  };
}

/**
 * helmet on every response but the API's (above): the web UI's pages and files, and 404s outside the API. The web UI is built without inline script (checked by
 * security-headers.int.test.ts), so scripts come from this origin only; styles may be inline because React
 * sets style attributes. Images may come from https: (provider icons, see icon_url). No framing
 * at all (clickjacking a sign-in form), no Referer beyond this origin (reset links carry a token),
 * HSTS only when the public address is https (on plain http it would be ignored, or worse, stick
 * to a name that later serves something else over TLS).
 */
export function createSecurityHeaders(config: Config): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'script-src-attr': ["'none'"],
        'style-src': ["'self'", "'unsafe-inline'"],
        'img-src': ["'self'", 'data:', 'https:'],
        'font-src': ["'self'"],
        'connect-src': ["'self'"],
        'object-src': ["'none'"],
        'base-uri': ["'self'"],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
      },
    },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: isHttps(config) ? { maxAge: HSTS_MAX_AGE_S, includeSubDomains: false } : false,
    crossOriginResourcePolicy: { policy: 'same-origin' },
  });
}

/**
 * CORS for the API, for the origins in misc.cors_urls only (MediaManager's key): they get
 * Access-Control-Allow-Origin naming them and Allow-Credentials; every other origin gets no CORS
 * header at all, so browsers keep their pages from reading answers.
 */
export function createCors(config: Config): RequestHandler {
  const allowed = new Set(config.misc.cors_urls);
  const corsMiddleware = cors({
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
    credentials: true,
    methods: ['GET', 'POST', 'PATCH', 'DELETE'],
    allowedHeaders: ['Content-Type', 'Authorization', CSRF_HEADER, REQUEST_ID_HEADER],
    exposedHeaders: ['Retry-After', REQUEST_ID_HEADER],
    maxAge: 600,
  });
  // Only a browser's cross-origin request (or preflight) carries Origin: the others (same-origin
  // page loads' GETs, programs, the reverse proxy's ForwardAuth calls) skip the package's work.
  // Vary: Origin is not needed on those: every API answer is no-store.
  return (req, res, next) => {
    if (req.headers.origin === undefined) next();
    else corsMiddleware(req, res, next);
  };
}
