import type { CookieOptions, Response } from 'express';
import { CSRF_COOKIE, SESSION_COOKIE, type AuthMetadata, type LoginRequest, type RegisterRequest, type TokenResponse } from '@gatehouse/shared';
import type { AppContext } from '../context.js';
import type { MountRoute } from '../http/mount-route.js';
import { getRequestAuth } from '../http/auth-guard.js';
import { readClientInfo } from '../http/client-info.js';
import { toUserRead } from '../users/user-read.js';
import { deriveCsrfToken } from './session-token.js';
import type { AuthService, IssuedSession } from './service.js';

export function mountAuthRoutes(mount: MountRoute, ctx: AppContext, authService: AuthService): void {
  const { config } = ctx;
  const isSecure = new URL(config.misc.frontend_url).protocol === 'https:';
  const cookieOptions = (httpOnly: boolean): CookieOptions => ({
    httpOnly,
    secure: isSecure,
    sameSite: 'lax',
    path: '/',
  });

  function setSessionCookies(res: Response, issued: IssuedSession): void {
    const maxAge = issued.session.expiresAt.getTime() - ctx.clock.now().getTime();
    res.cookie(SESSION_COOKIE, issued.token, { ...cookieOptions(true), maxAge });
    // Readable by the SPA, which echoes it in X-CSRF-Token; useless without the session cookie.
    res.cookie(CSRF_COOKIE, deriveCsrfToken(issued.session.id, config.auth.token_secret), {
      ...cookieOptions(false),
      maxAge,
    });
  }

  function clearSessionCookies(res: Response): void {
    res.clearCookie(SESSION_COOKIE, cookieOptions(true));
    res.clearCookie(CSRF_COOKIE, cookieOptions(false));
  }

  mount('jwtLogin', async (req, res) => {
    const body = req.body as LoginRequest;
    const issued = await authService.loginWithPassword(body.username, body.password, 'bearer', readClientInfo(req));
    res.json({ access_token: issued.token, token_type: 'bearer' } satisfies TokenResponse);
  });

  mount('jwtLogout', async (_req, res) => {
    const auth = getRequestAuth(res);
    await authService.logout(auth.session.id, auth.user.id);
    res.status(204).end();
  });

  mount('cookieLogin', async (req, res) => {
    const body = req.body as LoginRequest;
    const issued = await authService.loginWithPassword(body.username, body.password, 'cookie', readClientInfo(req));
    setSessionCookies(res, issued);
    res.status(204).end();
  });

  mount('cookieLogout', async (_req, res) => {
    const auth = getRequestAuth(res);
    await authService.logout(auth.session.id, auth.user.id);
    clearSessionCookies(res);
    res.status(204).end();
  });

  mount('register', async (req, res) => {
    const user = await authService.register(req.body as RegisterRequest);
    res.status(201).json(toUserRead(user));
  });

  mount('authMetadata', (_req, res) => {
    const metadata: AuthMetadata = {
      oauth_providers: config.auth.openid_connect.filter((p) => p.enabled).map((p) => p.name),
      registration_enabled: config.auth.registration_enabled,
      password_login_enabled: config.auth.password_login_enabled,
      email_password_resets: config.auth.email_password_resets,
      version: ctx.version,
    };
    res.json(metadata);
  });
}
