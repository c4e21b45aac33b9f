import type { CookieOptions, Response } from 'express';
import { CSRF_COOKIE, FORWARD_COOKIE, SECOND_FACTOR_COOKIE, SESSION_COOKIE } from '@gatehouse/shared';
import type { AppContext } from '../context.js';
import { readPublicUrl, readSessionCookiePath } from '../http/public-url.js';
import { deriveCsrfToken } from './session-token.js';
import { findRequestAuth } from '../http/auth-guard.js';
import type { AuthService, IssuedSession } from './service.js';

/**
 * The browser's side of a session, the same whichever way it signed in (password or an identity
 * provider): the HttpOnly session cookie and the readable CSRF cookie the SPA echoes back, both
 * host-only (no Domain: no other host ever receives them, whatever auth.cookie_domain says), and
 * ForwardAuth's own credential, gatehouse_forward, which is the one cookie sent to the protected
 * apps' hosts (Domain = auth.cookie_domain) and is accepted only by GET /auth/forward.
 */
export function createSessionCookies(ctx: Pick<AppContext, 'config' | 'clock'>, authService: Pick<AuthService, 'logout'>) {
  // Secure follows frontend_url, not the request: behind a TLS-terminating proxy the hop to
  // Gatehouse is plain http, yet the browser only ever talks https.
  const { isSecure } = readPublicUrl(ctx.config);
  const { cookie_domain: cookieDomain } = ctx.config.auth;
  const cookieOptions = (httpOnly: boolean): CookieOptions => ({
    httpOnly,
    secure: isSecure,
    sameSite: 'lax',
    path: readSessionCookiePath(ctx.config),
  });
  const forwardCookieOptions: CookieOptions = {
    httpOnly: true,
    secure: isSecure,
    sameSite: 'lax',
    path: '/',
    ...(cookieDomain === '' ? {} : { domain: cookieDomain }),
  };

  function set(res: Response, issued: IssuedSession): void {
    const maxAge = issued.session.expiresAt.getTime() - ctx.clock.now().getTime();
    res.cookie(SESSION_COOKIE, issued.token, { ...cookieOptions(true), maxAge });
    // Readable by the SPA, which echoes it in X-CSRF-Token; useless without the session cookie.
    res.cookie(CSRF_COOKIE, deriveCsrfToken(issued.session.id, ctx.config.auth.token_secret), {
      ...cookieOptions(false),
      maxAge,
    });
    if (issued.forwardToken !== null) res.cookie(FORWARD_COOKIE, issued.forwardToken, { ...forwardCookieOptions, maxAge });
  }

  return {
    set,

    /**
     * Signs this browser in: the cookie session it came with, if any, is ended first. Its cookies
     * are about to be overwritten, and a session nobody holds any more must not stay alive.
     */
    async replace(res: Response, issued: IssuedSession): Promise<void> {
      const previous = findRequestAuth(res);
      if (previous?.transport === 'cookie' && previous.session !== null && previous.session.id !== issued.session.id) {
        await authService.logout(previous.session.id, previous.user);
      }
      set(res, issued);
    },

    /**
     * A sign-in waiting for its second factor: the pending sign-in's token, HttpOnly and host-only,
     * for POST /auth/cookie/login/second-factor. The browser that passed the first factor holds it.
     */
    setPendingSignIn(res: Response, token: string, maxAgeSeconds: number): void {
      res.cookie(SECOND_FACTOR_COOKIE, token, { ...cookieOptions(true), maxAge: maxAgeSeconds * 1000 });
    },

    clearPendingSignIn(res: Response): void {
      res.clearCookie(SECOND_FACTOR_COOKIE, cookieOptions(true));
    },

    clear(res: Response): void {
      res.clearCookie(SESSION_COOKIE, cookieOptions(true));
      res.clearCookie(CSRF_COOKIE, cookieOptions(false));
      res.clearCookie(FORWARD_COOKIE, forwardCookieOptions);
    },
  };
}

export type SessionCookies = ReturnType<typeof createSessionCookies>;
