import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { parseCookie } from 'cookie';
import { CSRF_HEADER, SESSION_COOKIE } from '@gatehouse/shared';
import type { Config } from '../config/types.js';
import { AppError } from './app-error.js';
import { deriveCsrfToken, isSameSecret } from '../auth/session-token.js';
import type { AuthService, Authenticated, SessionTransport } from '../auth/service.js';

export interface RequestAuth extends Authenticated {
  transport: SessionTransport;
}

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
 * cookie. ForwardAuth's gatehouse_forward credential is never accepted here.
 * Never fails by itself: routes that need a user say so with requireUser/requireAdmin.
 */
export function createAuthenticator(authService: AuthService): RequestHandler {
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
    const remember = (authenticated: Authenticated | null) => {
      if (authenticated) res.locals.auth = { ...authenticated, transport } satisfies RequestAuth;
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
}

/**
 * A signed-in caller; one whose account awaits approval, or whose session must add a second
 * factor first ([auth] second_factor), only where the route allows it.
 */
export function requireUser({ allowPending = false, allowEnrolment = false }: RouteAllowances = {}): RequestHandler {
  return (_req, res, next) => {
    const auth = findRequestAuth(res);
    if (!auth) throw unauthorized();
    if (!allowPending && isPendingApproval(auth.user)) throw pendingApproval();
    if (!allowEnrolment && auth.mustAddSecondFactor) throw secondFactorEnrolmentRequired();
    next();
  };
}

export const requireAdmin: RequestHandler = (_req, res, next) => {
  const auth = findRequestAuth(res);
  if (!auth) throw unauthorized();
  if (isPendingApproval(auth.user)) throw pendingApproval();
  if (auth.mustAddSecondFactor) throw secondFactorEnrolmentRequired();
  if (!auth.user.isSuperuser) throw new AppError('FORBIDDEN', 'Only administrators can do this.');
  next();
};

/**
 * Empties the session cache (auth/session-cache.ts) when a request that may have changed a session
 * or a user ends: every method but GET/HEAD/OPTIONS, and the OpenID Connect callbacks, which are
 * GETs that sign in, link and update accounts. So a sign-out, a revoked session, a password change
 * or a deactivation made through this process applies to the very next request.
 */
export function createSessionCacheInvalidator(authService: AuthService): RequestHandler {
  return (req, res, next) => {
    if (!SAFE_METHODS.has(req.method) || req.path.endsWith('/callback')) {
      res.once('close', () => authService.forgetCachedSessions());
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
    if (auth?.transport === 'cookie') {
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
