import type { Request, RequestHandler, Response } from 'express';
import proxyAddr from 'proxy-addr';
import { FORWARD_AUTH_RETURN_PATH, FORWARD_COOKIE } from '@gatehouse/shared';
import type { AppContext } from '../context.js';
import type { Authenticated, AuthService } from '../auth/service.js';
import { AppError } from '../http/app-error.js';
import { isPendingApproval, pendingApproval, readBearerToken, readCookie, secondFactorEnrolmentRequired } from '../http/auth-guard.js';
import type { MountRoute } from '../http/mount-route.js';
import { readQuery } from '../http/validate.js';
import { logAccessAtDebug } from '../http/request-context.js';
import type { ApiKeyService } from '../api-keys/service.js';
import { looksLikeApiKey } from '../api-keys/key.js';
import {
  buildOriginalUrl,
  findRule,
  buildRemoteHeaders,
  findDenialReason,
  isHostAllowed,
  parseReturnUrl,
  readForwardedRequest,
  resolveRequirement,
  type ForwardedRequest,
} from './service.js';

/** The page the proxy asked about, as the route's guard read it. */
const FORWARDED = Symbol('forwarded');
type ForwardedLocals = Record<typeof FORWARDED, ForwardedRequest>;
const forwardedOf = (res: Response): ForwardedRequest => (res.locals as ForwardedLocals)[FORWARDED];

/**
 * Traefik's ForwardAuth middleware calls GET /api/v1/auth/forward with the visitor's headers
 * (cookies included) and X-Forwarded-Proto/-Host/-Uri naming the page asked for: 2xx lets the
 * request through (copying the Remote-* headers onto it), anything else is sent to the visitor.
 *
 * Who is calling, decided here and not by the API's authenticator:
 * - `Authorization: Bearer <token>` where the token is signed as a Gatehouse session token: that
 *   bearer session, and nothing else (a revoked or cookie-session token answers 401);
 * - `Authorization: Bearer gh_…` on a host whose rule says api_keys = true: that API key's owner
 *   (any scope; Remote-Groups empty, as a key carries no identity provider's groups);
 * - otherwise the Authorization header belongs to the protected app (Basic, Jellyfin's
 *   MediaBrowser scheme, its own Bearer JWTs, a gh_ key where the rule takes none) and is
 *   ignored: the gatehouse_forward cookie decides.
 * The session cookie (host-only, so it reaches only Gatehouse's own host anyway) never counts here.
 */
interface ForwardCaller {
  user: Authenticated['user'];
  /** The identity provider's groups of the session; none for an API key. */
  groups: readonly string[];
  mustAddSecondFactor: boolean;
}

/**
 * A 302 with an empty body. Express's res.redirect negotiates the Accept header and escapes the URL
 * into a "Found. Redirecting to …" body that no browser shows, on the path every request of a
 * signed-out visitor takes; Traefik hands the answer to the browser, which follows Location. The
 * URL is built from frontend_url and encodeURIComponent only.
 */
function redirectFound(res: Response, url: string): void {
  res.status(302).setHeader('Location', url);
  res.end();
}

/** fn of the value, at once when it is one, else when the promise settles. */
const then = <T, U>(value: T | Promise<T>, fn: (resolved: T) => U): U | Promise<U> => (value instanceof Promise ? value.then(fn) : fn(value));

const asCaller = (auth: Authenticated | null): ForwardCaller | null =>
  auth && { user: auth.user, groups: auth.session.groups, mustAddSecondFactor: auth.mustAddSecondFactor };

export function mountForwardAuthRoutes(
  mount: MountRoute,
  ctx: AppContext,
  authService: AuthService,
  apiKeys: Pick<ApiKeyService, 'authenticate'>,
): void {
  const { config, logger } = ctx;
  const isTrustedPeer = proxyAddr.compile([...config.server.trusted_proxies]);
  const hostNotAllowed = (message: string) => new AppError('FORWARD_AUTH_HOST_NOT_ALLOWED', message);

  /** Only a trusted proxy may say which page was asked for; from anyone else the headers mean nothing. */
  function readTrustedForwardedRequest(req: Request): ForwardedRequest {
    if (!isTrustedPeer(req.socket.remoteAddress ?? '', 0)) {
      throw hostNotAllowed('ForwardAuth answers only a reverse proxy listed in server.trusted_proxies; this request came from another address.');
    }
    const forwarded = readForwardedRequest({
      proto: req.get('x-forwarded-proto'),
      host: req.get('x-forwarded-host'),
      uri: req.get('x-forwarded-uri'),
    });
    if (!forwarded) {
      throw hostNotAllowed('ForwardAuth needs valid X-Forwarded-Proto, X-Forwarded-Host and X-Forwarded-Uri headers from the proxy.');
    }
    if (!isHostAllowed(config, forwarded.host)) {
      logger.warn({ host: forwarded.host }, 'ForwardAuth refused a host that is not in auth.forward_auth.allowed_hosts');
      throw hostNotAllowed(`The host ${forwarded.host} is not in auth.forward_auth.allowed_hosts.`);
    }
    return forwarded;
  }

  /**
   * Who the request is from, as ForwardAuth sees it (see the comment above), or null. Answers at
   * once, without a promise, when the check is cached: this runs on every guarded request.
   */
  function authenticateForward(req: Request, forwarded: ForwardedRequest): ForwardCaller | null | Promise<ForwardCaller | null> {
    const bearer = readBearerToken(req.get('authorization'));
    if (bearer !== undefined && looksLikeApiKey(bearer) && findRule(config, forwarded.host)?.api_keys === true) {
      return then(
        apiKeys.authenticate(bearer, req.ip ?? null),
        (found) => found && { user: found.user, groups: [], mustAddSecondFactor: found.mustAddSecondFactor },
      );
    }
    if (bearer !== undefined && authService.isSessionToken(bearer)) return then(authService.authenticate(bearer, 'bearer'), asCaller);
    const cookie = readCookie(req, FORWARD_COOKIE);
    return cookie ? then(authService.authenticateForward(cookie), asCaller) : null;
  }

  /** The route's guard: from anyone but a trusted proxy, not even the query string is looked at. */
  const requireTrustedProxy: RequestHandler = (req, res, next) => {
    (res.locals as ForwardedLocals)[FORWARDED] = readTrustedForwardedRequest(req);
    next();
  };

  mount(
    'forwardAuth',
    async (req, res) => {
      const forwarded = forwardedOf(res);
      const requirement = resolveRequirement(config, forwarded.host, readQuery(res, 'ForwardAuthQuery'));

      const isBrowser = req.get('accept')?.includes('text/html') === true;
      const auth = await authenticateForward(req, forwarded);
      if (!auth) {
        // A person in a browser is sent to sign in and then back; a program gets a plain 401.
        logAccessAtDebug(res);
        if (isBrowser) {
          const returnTo = `${FORWARD_AUTH_RETURN_PATH}?rd=${encodeURIComponent(buildOriginalUrl(forwarded))}`;
          redirectFound(res, `${config.misc.frontend_url}/login?returnTo=${encodeURIComponent(returnTo)}`);
          return;
        }
        throw new AppError('UNAUTHORIZED', 'Sign in first.', { headers: { 'WWW-Authenticate': 'Bearer' } });
      }
      // An account awaiting approval, or a session that must add a second factor first, passes
      // nowhere: the web UI shows it the pending page or the set-up page on any signed-in route.
      if (isPendingApproval(auth.user) || auth.mustAddSecondFactor) {
        if (isBrowser) {
          redirectFound(res, `${config.misc.frontend_url}/`);
          return;
        }
        throw isPendingApproval(auth.user) ? pendingApproval() : secondFactorEnrolmentRequired();
      }
      const denial = findDenialReason(requirement, auth.user, auth.groups);
      if (denial) throw new AppError('FORBIDDEN', denial);
      logAccessAtDebug(res);
      res.set(buildRemoteHeaders(auth.user, auth.groups)).status(200).end();
    },
    { guard: requireTrustedProxy },
  );

  mount('forwardAuthReturn', (req, res) => {
    const target = parseReturnUrl(config, req.query.rd);
    if (!target) {
      throw hostNotAllowed('rd must be an http(s) URL on a host in auth.forward_auth.allowed_hosts.');
    }
    res.redirect(302, target.toString());
  });
}
