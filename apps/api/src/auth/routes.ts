import type { AuthMetadata, LoginRequest, LogoutResponse, RegisterRequest, TokenResponse } from '@gatehouse/shared';
import type { AppContext } from '../context.js';
import type { MountRoute } from '../http/mount-route.js';
import { getSessionAuth } from '../http/auth-guard.js';
import { readClientInfo } from '../http/client-info.js';
import { describeProvider, listEnabledProviders } from '../oidc/providers.js';
import { toUserRead } from '../users/user-read.js';
import type { Session } from './repo.js';
import type { AuthService, IssuedSession } from './service.js';
import { AppError } from '../http/app-error.js';
import { secondFactorRequired } from '../second-factor/service.js';
import { readRelyingParty } from '../second-factor/webauthn.js';
import { createSessionCookies } from './session-cookies.js';
import { logAccessAtDebug } from '../http/request-context.js';

/** RP-initiated logout: the identity provider's end-session URL for a session it started, if any. */
export type EndSessionUrlFinder = (session: Session) => Promise<string | null>;

export function mountAuthRoutes(
  mount: MountRoute,
  ctx: AppContext,
  authService: AuthService,
  findEndSessionUrl: EndSessionUrlFinder = () => Promise.resolve(null),
): void {
  const sessionCookies = createSessionCookies(ctx, authService);

  mount('jwtLogin', async (req, res) => {
    const body = req.body as LoginRequest;
    const issued = await authService.loginWithPassword(body.username, body.password, 'bearer', readClientInfo(req));
    res.json({ access_token: issued.token, token_type: 'bearer' } satisfies TokenResponse);
  });

  mount('jwtLogout', async (_req, res) => {
    const auth = getSessionAuth(res);
    await authService.logout(auth.session.id, auth.user);
    res.status(204).end();
  });

  mount('cookieLogin', async (req, res) => {
    const body = req.body as LoginRequest;
    let issued: IssuedSession;
    try {
      issued = await authService.loginWithPassword(body.username, body.password, 'cookie', readClientInfo(req));
    } catch (error) {
      // A browser keeps the pending sign-in's token in an HttpOnly cookie, never in script's reach.
      const challenge = error instanceof AppError ? error.options.secondFactor : undefined;
      if (challenge?.token === undefined) throw error;
      const { token, ...withoutToken } = challenge;
      sessionCookies.setPendingSignIn(res, token, challenge.expires_in);
      throw secondFactorRequired(withoutToken);
    }
    await sessionCookies.replace(res, issued);
    res.status(204).end();
  });

  mount('cookieLogout', async (_req, res) => {
    const auth = getSessionAuth(res);
    await authService.logout(auth.session.id, auth.user);
    sessionCookies.clear(res);
    const endSessionUrl = await findEndSessionUrl(auth.session);
    if (endSessionUrl) {
      res.json({ end_session_url: endSessionUrl } satisfies LogoutResponse);
      return;
    }
    res.status(204).end();
  });

  mount('register', async (req, res) => {
    const user = await authService.register(req.body as RegisterRequest, readClientInfo(req));
    res.status(201).json(toUserRead(user));
  });
}

/**
 * GET /auth/metadata: what the sign-in page offers. Mounted apart from the other auth routes, near
 * the front of the router: every page load of the web UI asks it.
 */
export function mountAuthMetadataRoute(mount: MountRoute, ctx: AppContext): void {
  const { config } = ctx;
  // Every field comes from the configuration, fixed for the life of the process: built and
  // serialised once, not per request.
  const metadata: AuthMetadata = {
    oauth_providers: listEnabledProviders(config).map((p) => p.name),
    oidc_providers: listEnabledProviders(config).map((p) => describeProvider(config, p)),
    registration_enabled: config.auth.registration_enabled,
    password_login_enabled: config.auth.password_login_enabled,
    email_password_resets: config.auth.email_password_resets,
    passkeys_enabled: readRelyingParty(config).disabledReason === null,
    api_keys_allow_no_expiry: config.auth.api_keys_allow_no_expiry,
    version: ctx.version,
  };
  const body = JSON.stringify(metadata);
  const length = Buffer.byteLength(body);
  mount('authMetadata', (_req, res) => {
    // Asked by every page load, the same for everybody: its access line at debug. Written with
    // Node's own calls: Express's res.send would parse the Content-Type again to add a charset
    // and look for a cache validator this answer never has; a string body goes out in one write
    // with the header.
    logAccessAtDebug(res);
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Content-Length', length);
    res.end(body);
  });
}
