import cors from 'cors';
import helmet from 'helmet';
import type { RequestHandler } from 'express';
import type { Config } from '../config/types.js';
import { CSRF_HEADER } from '@gatehouse/shared';
import { REQUEST_ID_HEADER } from './request-context.js';

/**
 * helmet on every response. The web UI is built without inline script (checked by
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
    strictTransportSecurity: new URL(config.misc.frontend_url).protocol === 'https:' ? { maxAge: 31_536_000, includeSubDomains: false } : false,
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
  return cors({
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
    credentials: true,
    methods: ['GET', 'POST', 'PATCH', 'DELETE'],
    allowedHeaders: ['Content-Type', 'Authorization', CSRF_HEADER, REQUEST_ID_HEADER],
    exposedHeaders: ['Retry-After', REQUEST_ID_HEADER],
    maxAge: 600,
  });
}
