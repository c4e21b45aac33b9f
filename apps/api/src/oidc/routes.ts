import type { CookieOptions, Request, Response } from 'express';
import {
  API_PREFIX,
  OIDC_ERROR_PARAM,
  OIDC_TRANSACTION_COOKIE,
  type LinkAccountRequest,
  type OidcAuthorizeResponse,
  type OidcErrorCode,
  type ReauthenticateRequest,
  type ReauthenticateResponse,
} from '@gatehouse/shared';
import type { AppContext } from '../context.js';
import type { SessionCookies } from '../auth/session-cookies.js';
import type { Reauthentication } from '../auth/reauthentication.js';
import type { MountRoute } from '../http/mount-route.js';
import { getRequestAuth, getSessionAuth, readCookie } from '../http/auth-guard.js';
import { readClientInfo } from '../http/client-info.js';
import { readPublicUrl } from '../http/public-url.js';
import { AppError, isOidcFailure } from '../http/app-error.js';
import type { OidcService, StartedSignIn } from './service.js';
import { TRANSACTION_LIFETIME_MS } from './transaction.js';

export function mountOidcRoutes(
  mount: MountRoute,
  ctx: AppContext,
  oidc: OidcService,
  sessionCookies: SessionCookies,
  reauthentication: Reauthentication,
): void {
  const { config, logger } = ctx;
  const publicUrl = readPublicUrl(config);
  // SameSite=Lax: the provider's redirect back is a top-level GET navigation, which carries it.
  // Path: only the auth routes (authorize and both callbacks) ever see it, under the sub-path.
  const transactionCookieOptions: CookieOptions = {
    httpOnly: true,
    secure: publicUrl.isSecure,
    sameSite: 'lax',
    path: `${publicUrl.basePath}${API_PREFIX}/auth`,
  };

  /** Absolute, from frontend_url: never from the request's Host header. */
  const loginUrlWithError = (code: OidcErrorCode) => `${config.misc.frontend_url}/login?${OIDC_ERROR_PARAM}=${code}`;

  /**
   * For the browser-facing answers, which redirect to /login with the code instead of answering
   * JSON (so the error middleware never sees the failure and cannot log it).
   */
  function logFailure(req: Request, provider: string | null, error: unknown): OidcErrorCode {
    if (isOidcFailure(error)) {
      logger.warn(
        { ...error.options.logDetails, provider, code: error.code, path: req.path },
        `OpenID Connect sign-in${provider ? ` with "${provider.slice(0, 100)}"` : ''} failed (${error.code}): ${error.logMessage}`,
      );
      return error.code;
    }
    logger.error({ err: error, provider, path: req.path }, 'OpenID Connect sign-in failed unexpectedly');
    return 'OIDC_LOGIN_FAILED';
  }

  /**
   * Answers an authorize request: `{authorization_url}`, or with `?redirect=true` a 302 to the
   * provider (or, when it fails, to /login with the code). JSON failures go to the error middleware.
   */
  async function answerAuthorize(req: Request, res: Response, providerName: string, start: () => Promise<StartedSignIn>): Promise<void> {
    const isRedirect = req.query.redirect === 'true';
    let started;
    try {
      started = await start();
    } catch (error) {
      if (!isRedirect || !isOidcFailure(error)) throw error;
      res.redirect(302, loginUrlWithError(logFailure(req, providerName, error)));
      return;
    }
    res.cookie(OIDC_TRANSACTION_COOKIE, started.transaction, { ...transactionCookieOptions, maxAge: TRANSACTION_LIFETIME_MS });
    if (isRedirect) {
      res.redirect(302, started.authorizationUrl);
      return;
    }
    res.json({ authorization_url: started.authorizationUrl } satisfies OidcAuthorizeResponse);
  }

  mount('oidcAuthorize', (req, res) => {
    const name = String(req.params.name);
    return answerAuthorize(req, res, name, () => oidc.startSignIn(name, req.query.returnTo));
  });

  // MediaManager's web client: one provider, no name in the path, `?scopes=` repeated.
  mount('oauthAuthorize', (req, res) => {
    const provider = oidc.findOnlyProvider();
    const scopes = readScopesQuery(req.query.scopes);
    return answerAuthorize(req, res, provider.name, () => oidc.startSignIn(provider.name, req.query.returnTo, undefined, undefined, scopes));
  });

  async function handleCallback(req: Request, res: Response, providerName: string | null): Promise<void> {
    // The transaction is spent whatever happens next.
    res.clearCookie(OIDC_TRANSACTION_COOKIE, transactionCookieOptions);
    const rawQuery = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '';
    try {
      const { issued, returnTo, secondFactor } = await oidc.finishSignIn({
        providerName,
        query: rawQuery,
        transactionCookie: readCookie(req, OIDC_TRANSACTION_COOKIE),
        client: readClientInfo(req),
      });
      if (secondFactor) {
        // The provider's sign-in was the first factor: the sign-in page asks for the second.
        sessionCookies.setPendingSignIn(res, secondFactor.token, secondFactor.expires_in);
        res.redirect(302, `${config.misc.frontend_url}/login?second_factor=1&returnTo=${encodeURIComponent(returnTo)}`);
        return;
      }
      if (issued) await sessionCookies.replace(res, issued);
      res.redirect(302, config.misc.frontend_url + returnTo);
    } catch (error) {
      // Held back by the brakes: 429 with Retry-After, like every other sign-in route.
      if (error instanceof AppError && error.code === 'RATE_LIMITED') throw error;
      res.redirect(302, loginUrlWithError(logFailure(req, providerName, error)));
    }
  }

  mount('oidcCallback', (req, res) => handleCallback(req, res, String(req.params.name)));
  mount('oidcOAuthCallback', (req, res) => handleCallback(req, res, null));

  mount('linkMyAccount', async (req, res) => {
    const auth = getSessionAuth(res);
    const body = req.body as LinkAccountRequest;
    // Adding a way into the account needs its owner, not just its session: a recent sign-in, or the password now.
    if (body.current_password !== undefined) {
      await reauthentication.reauthenticateWithPassword(auth.user, auth.session.id, body.current_password);
    } else {
      await reauthentication.assertRecentlyAuthenticated(auth.user, auth.session.id);
    }
    const started = await oidc.startSignIn(body.provider, body.returnTo, { userId: auth.user.id, sessionId: auth.session.id });
    res.cookie(OIDC_TRANSACTION_COOKIE, started.transaction, { ...transactionCookieOptions, maxAge: TRANSACTION_LIFETIME_MS });
    res.json({ authorization_url: started.authorizationUrl } satisfies OidcAuthorizeResponse);
  });

  mount('listMyLinkedAccounts', async (_req, res) => {
    res.json(await oidc.listLinkedAccounts(getRequestAuth(res).user.id));
  });

  mount('unlinkMyLinkedAccount', async (req, res) => {
    const auth = getSessionAuth(res);
    await reauthentication.assertRecentlyAuthenticated(auth.user, auth.session.id);
    await oidc.unlinkAccount(auth.user, String(req.params.id));
    res.status(204).end();
  });

  mount('reauthenticateMe', async (req, res) => {
    const auth = getSessionAuth(res);
    const body = req.body as ReauthenticateRequest;
    if (body.current_password !== undefined) {
      await reauthentication.reauthenticateWithPassword(auth.user, auth.session.id, body.current_password);
      res.json({ authorization_url: null } satisfies ReauthenticateResponse);
      return;
    }
    const started = await oidc.startReauthentication(auth.user, auth.session.id, String(body.provider), body.returnTo);
    res.cookie(OIDC_TRANSACTION_COOKIE, started.transaction, { ...transactionCookieOptions, maxAge: TRANSACTION_LIFETIME_MS });
    res.json({ authorization_url: started.authorizationUrl } satisfies ReauthenticateResponse);
  });
}

/** `?scopes=a&scopes=b` (or one `?scopes=a b`) as a list; absent means "as configured". */
function readScopesQuery(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  const values = Array.isArray(value) ? value : [value];
  if (values.length > 20 || !values.every((scope): scope is string => typeof scope === 'string' && scope.length <= 200)) {
    throw new AppError('VALIDATION_ERROR', 'scopes must be at most 20 scope names of up to 200 characters each.', {
      fieldErrors: [{ field: 'scopes', message: 'at most 20 scope names of up to 200 characters each' }],
    });
  }
  return values;
}
