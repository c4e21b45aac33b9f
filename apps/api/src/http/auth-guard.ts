import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { parseCookie } from 'cookie';
import { API_KEY_PREFIX, CSRF_HEADER, SESSION_COOKIE, type ApiKeyScope } from '@gatehouse/shared';
import { readClientInfo } from './client-info.js';
import type { Config } from '../config/types.js';
import { AppError } from './app-error.js';
import { deriveCsrfToken, isSameSecret } from '../auth/session-token.js';
import type { AuthService, Authenticated, SessionTransport } from '../auth/service.js';

/** The caller of a request: a session's, or an API key's (then `session` is null). */
export interface RequestAuth {
  user: Authenticated['user'];
  transport: SessionTransport;
  mustAddSecondFactor: boolean;
  session: Authenticated['session'] | null;
  apiKey: { id: string; scope: ApiKeyScope; keyId: string } | null;
}

/** A session's caller: what the interactive-only routes (which no API key reaches) work with. */
export type SessionAuth = RequestAuth & { session: Authenticated['session'] };

/** Checks an API key (api-keys/service.ts): its owner, or null. */
export type ApiKeyAuthenticator = (
  token: string,
  ipAddress: string | null,
) =>
  Pick<RequestAuth, 'user' | 'apiKey' | 'mustAddSecondFactor'> | null | Promise<Pick<RequestAuth, 'user' | 'apiKey' | 'mustAddSecondFactor'> | null>;

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The authenticated caller, set by authenticate(); undefined for anonymous requests. */
export function findRequestAuth(res: Response): RequestAuth | undefined {
  return res.locals.auth as RequestAuth | undefined;
}

export function getRequestAuth(res: Response): RequestAuth {
  const auth = findRequestAuth(res);
  if (!auth) throw new AppError('UNAUTHORIZED', 'Sign in first.');
  return auth;
}

export const apiKeyNotAllowed = () =>
  new AppError('API_KEY_NOT_ALLOWED', 'API keys cannot do this: it needs an interactive sign-in (a password, passkey or identity provider).');

/** The session's caller; an API key never gets here (the route table accepts none on such routes). */
export function getSessionAuth(res: Response): SessionAuth {
  const auth = getRequestAuth(res);
  if (auth.session === null) throw apiKeyNotAllowed();
  return auth as SessionAuth;
}

export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  return parseCookie(header)[name];
}

/** The token of an `Authorization: Bearer <token>` header; undefined for any other scheme. */
export function readBearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  return /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
}

/**
 * Resolves the caller from `Authorization: Bearer …` or, failing that, the session cookie.
 * Each token counts only by the transport its session was issued for: a cookie session's token
 * sent as Bearer (which would skip the CSRF check) is nobody, and so is a Bearer token put in the
 * cookie. A bearer token that starts gh_ is an API key (never accepted from a cookie or a query
 * string). ForwardAuth's gatehouse_forward credential is never accepted here.
 * Never fails by itself (but for a client braked for wrong API keys: 429): routes that need a
 * user say so with requireUser/requireAdmin.
 */
export function createAuthenticator(authService: AuthService, authenticateApiKey: ApiKeyAuthenticator): RequestHandler {
  return (req, res, next): Promise<void> | void => {
    const header = req.headers.authorization;
    let token: string | undefined;
    let transport: SessionTransport = 'cookie';
    if (header !== undefined) {
      token = readBearerToken(header);
      transport = 'bearer';
    } else {
      token = readCookie(req, SESSION_COOKIE);
    }
    if (!token) {
      next();
      return;
    }
    if (transport === 'bearer' && token.startsWith(API_KEY_PREFIX)) {
      const rememberKey = (found: Pick<RequestAuth, 'user' | 'apiKey' | 'mustAddSecondFactor'> | null) => {
        if (found) res.locals.auth = { ...found, transport, session: null } satisfies RequestAuth;
        next();
      };
      const found = authenticateApiKey(token, readClientInfo(req).ipAddress);
      if (found instanceof Promise) return found.then(rememberKey);
      rememberKey(found);
      return;
    }
    const remember = (authenticated: Authenticated | null) => {
      if (authenticated) res.locals.auth = { ...authenticated, transport, apiKey: null } satisfies RequestAuth;
      next();
    };
    // A session this process checked a moment ago answers at once, without a promise.
    const result = authService.authenticate(token, transport);
    if (result instanceof Promise) return result.then(remember);
    remember(result);
  };
}

const unauthorized = () => new AppError('UNAUTHORIZED', 'Sign in first.', { headers: { 'WWW-Authenticate': 'Bearer' } });

/**
 * An account awaiting an administrator's approval (is_verified false). Administrators are never
 * held back, as in the web UI, so an instance cannot lock out its own admins.
 */
export function isPendingApproval(user: { isVerified: boolean; isSuperuser: boolean }): boolean {
  return !user.isVerified && !user.isSuperuser;
}

export const pendingApproval = () => new AppError('ACCOUNT_PENDING_APPROVAL', 'This account is waiting for an administrator to approve it.');

export const secondFactorEnrolmentRequired = () =>
  new AppError(
    'SECOND_FACTOR_ENROLMENT_REQUIRED',
    'This server requires a second factor for this account. Set up an authenticator app first (POST /api/v1/users/me/totp).',
  );

interface RouteAllowances {
  /** RouteSpec.allowPending: reading /users/me, signing out. */
  allowPending?: boolean;
  /** RouteSpec.allowEnrolment: the routes that add a second factor, reading /users/me, signing out. */
  allowEnrolment?: boolean;
  /** RouteSpec.apiKey: the least scope an API key needs here; undefined: no API key. */
  apiKey?: ApiKeyScope;
}

const SCOPE_RANK: Record<ApiKeyScope, number> = { read: 0, write: 1, admin: 2 };

/** An API key on a route that takes none, or of too small a scope: 403 naming what it needs. */
function checkApiKey(auth: RequestAuth, needed: ApiKeyScope | undefined): void {
  if (auth.apiKey === null) return;
  if (needed === undefined) throw apiKeyNotAllowed();
  if (SCOPE_RANK[auth.apiKey.scope] >= SCOPE_RANK[needed]) return;
  throw needed === 'admin'
    ? new AppError('API_KEY_SCOPE_ADMIN_REQUIRED', `This needs an API key of scope admin; this key's scope is ${auth.apiKey.scope}.`)
    : new AppError('API_KEY_SCOPE_WRITE_REQUIRED', `This needs an API key of scope write (or admin); this key's scope is ${auth.apiKey.scope}.`);
}

/**
 * A signed-in caller; one whose account awaits approval, or whose session must add a second
 * factor first ([auth] second_factor), only where the route allows it; an API key only where the
 * route takes one of its scope.
 */
export function requireUser({ allowPending = false, allowEnrolment = false, apiKey }: RouteAllowances = {}): RequestHandler {
  return (_req, res, next) => {
    const auth = findRequestAuth(res);
    if (!auth) throw unauthorized();
    if (!allowPending && isPendingApproval(auth.user)) throw pendingApproval();
    if (!allowEnrolment && auth.mustAddSecondFactor) throw secondFactorEnrolmentRequired();
    checkApiKey(auth, apiKey);
    next();
  };
}

export function requireAdmin({ apiKey }: Pick<RouteAllowances, 'apiKey'> = {}): RequestHandler {
  return (_req, res, next) => {
    const auth = findRequestAuth(res);
    if (!auth) throw unauthorized();
    if (isPendingApproval(auth.user)) throw pendingApproval();
    if (auth.mustAddSecondFactor) throw secondFactorEnrolmentRequired();
    if (!auth.user.isSuperuser) throw new AppError('FORBIDDEN', 'Only administrators can do this.');
    checkApiKey(auth, apiKey);
    next();
  };
}

/**
 * Empties the session cache (auth/session-cache.ts) when a request that may have changed a session
 * or a user ends: every method but GET/HEAD/OPTIONS, and the OpenID Connect callbacks, which are
 * GETs that sign in, link and update accounts. So a sign-out, a revoked session, a password change
 * or a deactivation made through this process applies to the very next request.
 */
export function createSessionCacheInvalidator(forgetCached: () => void): RequestHandler {
  return (req, res, next) => {
    if (!SAFE_METHODS.has(req.method) || req.path.endsWith('/callback')) {
      res.once('close', forgetCached);
    }
    next();
  };
}

/**
 * Cross-site request forgery defence, decided by the browser's own signals, as Go 1.25's
 * net/http.CrossOriginProtection and OWASP's Fetch Metadata guidance do. It applies to every
 * request but GET/HEAD/OPTIONS (which change nothing), signed in or not (a forged sign-in is an
 * attack too). Trusted origins are frontend_url's and those in misc.cors_urls.
 * 1. Origin, when sent, must be a trusted origin. Browsers send it on every such request and pages
 *    cannot forge it; "null" (sandboxed frames, some redirects) is not trusted.
 * 2. Sec-Fetch-Site, when sent, must be same-origin or none (the user's own action), unless the
 *    Origin is trusted: same-site is refused like cross-site, because with auth.cookie_domain set a
 *    sibling app (app.example.com) is the same site as Gatehouse without being trusted by it.
 * 3. With neither header the request is not from a browser (or from one too old to say where it
 *    comes from). Anonymous and Bearer requests pass: a page cannot make a browser attach a bearer
 *    token. A cookie session must then prove itself with X-CSRF-Token (the signed double-submit
 *    token of its gatehouse_csrf cookie): a cookie is a browser's credential, and this is the one
 *    case where the browser's signals cannot vouch for the request.
 * Behind these, the session cookie is SameSite=Lax, so browsers do not send it on cross-site writes.
 * Gatehouse's SPA still sends X-CSRF-Token, but a request with a browser's signals never needs it.
 */
export function createCsrfGuard(config: Config): RequestHandler {
  const frontendOrigin = new URL(config.misc.frontend_url).origin;
  const trustedOrigins = new Set([frontendOrigin, ...config.misc.cors_urls]);
  const refuse = (why: string) =>
    new AppError('CSRF_FAILED', `Request refused: ${why}. Open Gatehouse at its configured address (${frontendOrigin}).`);
  return (req: Request, res: Response, next: NextFunction) => {
    if (SAFE_METHODS.has(req.method)) {
      next();
      return;
    }
    const origin = req.headers.origin;
    const fetchSite = req.headers['sec-fetch-site'];
    if (origin !== undefined) {
      if (!trustedOrigins.has(origin)) throw refuse(`it comes from ${origin}, which is not a trusted origin`);
      next();
      return;
    }
    if (fetchSite !== undefined) {
      if (fetchSite !== 'same-origin' && fetchSite !== 'none') throw refuse(`the browser marks it ${String(fetchSite)}`);
      next();
      return;
    }
    const auth = findRequestAuth(res);
    if (auth?.transport === 'cookie' && auth.session !== null) {
      const sent = req.headers[CSRF_HEADER];
      const expected = deriveCsrfToken(auth.session.id, config.auth.token_secret);
      if (typeof sent !== 'string' || !isSameSecret(sent, expected)) {
        throw new AppError(
          'CSRF_FAILED',
          `A cookie-authenticated request without Origin or Sec-Fetch-Site must carry the session's ${CSRF_HEADER} header ` +
            '(the gatehouse_csrf cookie); clients that are not browsers should sign in with POST /auth/jwt/login and send a Bearer token.',
        );
      }
    }
    next();
  };
}
