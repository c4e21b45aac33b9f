import {
  SECOND_FACTOR_COOKIE,
  type AddPasskeyRequest,
  type PasskeySignInRequest,
  type RecoveryCodes,
  type RenamePasskeyRequest,
  type SecondFactorLoginRequest,
  type TokenResponse,
  type TotpConfirmRequest,
} from '@gatehouse/shared';
import type { AppContext } from '../context.js';
import type { AuthService } from '../auth/service.js';
import { createSessionCookies } from '../auth/session-cookies.js';
import { AppError } from '../http/app-error.js';
import { getSessionAuth, readCookie } from '../http/auth-guard.js';
import { readClientInfo } from '../http/client-info.js';
import type { MountRoute } from '../http/mount-route.js';
import type { User } from '../users/repo.js';
import { actorOf } from '../audit/service.js';
import type { SecondFactorProof, SecondFactorService } from './service.js';
import type { PasskeyService } from './passkeys.js';

function readProof(body: SecondFactorLoginRequest): SecondFactorProof {
  if (body.code !== undefined) return { code: body.code };
  if (body.webauthn !== undefined) return { webauthn: body.webauthn };
  return { recovery_code: body.recovery_code ?? '' };
}

const noPendingSignIn = () =>
  new AppError('SECOND_FACTOR_EXPIRED', 'This sign-in has expired or was already used. Sign in again with your password.');

/**
 * Who may call what:
 * - the second steps of sign-in: anyone holding a pending sign-in's token (the cookie for a
 *   browser, `token` for a Bearer client) — that token is what the first factor earned;
 * - passkey sign-in: anyone (the passkey is the credential; passkeys.ts);
 * - status, enrolment (app or passkey): the signed-in owner, also a session that must add a
 *   second factor first;
 * - removal, new recovery codes, adding a passkey: the signed-in owner, with a recent sign-in
 *   (service); renaming a passkey: the owner;
 * - reset: administrators (users/routes.ts) and the CLI.
 */
export function mountSecondFactorRoutes(
  mount: MountRoute,
  ctx: AppContext,
  secondFactor: SecondFactorService,
  passkeys: PasskeyService,
  authService: AuthService,
  findUser: (id: string) => Promise<User>,
): void {
  const sessionCookies = createSessionCookies(ctx, authService);

  mount('jwtSecondFactor', async (req, res) => {
    const body = req.body as SecondFactorLoginRequest;
    if (body.token === undefined) {
      throw new AppError('VALIDATION_ERROR', 'token: is required (the second_factor.token of the SECOND_FACTOR_REQUIRED answer)', {
        fieldErrors: [{ field: 'token', message: 'is required' }],
      });
    }
    const issued = await secondFactor.completeSignIn(body.token, 'bearer', readProof(body), readClientInfo(req));
    res.json({ access_token: issued.token, token_type: 'bearer' } satisfies TokenResponse);
  });

  mount('cookieSecondFactor', async (req, res) => {
    const token = readCookie(req, SECOND_FACTOR_COOKIE);
    if (token === undefined) throw noPendingSignIn();
    const issued = await secondFactor.completeSignIn(token, 'cookie', readProof(req.body as SecondFactorLoginRequest), readClientInfo(req));
    sessionCookies.clearPendingSignIn(res);
    await sessionCookies.replace(res, issued);
    res.status(204).end();
  });

  mount('cookieSecondFactorPasskeyOptions', async (req, res) => {
    const token = readCookie(req, SECOND_FACTOR_COOKIE);
    if (token === undefined) throw noPendingSignIn();
    res.json(await secondFactor.passkeyOptionsForPending(token));
  });

  mount('passkeySignInOptions', async (req, res) => {
    res.json(await passkeys.signInOptions(readClientInfo(req)));
  });

  mount('passkeySignIn', async (req, res) => {
    const issued = await passkeys.signIn((req.body as PasskeySignInRequest).response, readClientInfo(req));
    await sessionCookies.replace(res, issued);
    res.status(204).end();
  });

  mount('listMyPasskeys', async (_req, res) => {
    res.json(await passkeys.list(getSessionAuth(res).user));
  });

  mount('passkeyRegistrationOptions', async (_req, res) => {
    const auth = getSessionAuth(res);
    res.json(await passkeys.registrationOptions(auth.user, auth.session.id));
  });

  mount('addMyPasskey', async (req, res) => {
    const auth = getSessionAuth(res);
    const body = req.body as AddPasskeyRequest;
    res.status(201).json(await passkeys.add(auth.user, auth.session.id, body.name, body.response, readClientInfo(req)));
  });

  mount('renameMyPasskey', async (req, res) => {
    res.json(await passkeys.rename(getSessionAuth(res).user, String(req.params.id), (req.body as RenamePasskeyRequest).name));
  });

  mount('removeMyPasskey', async (req, res) => {
    const auth = getSessionAuth(res);
    await passkeys.remove(auth.user, auth.session.id, String(req.params.id));
    res.status(204).end();
  });

  mount('getMySecondFactor', async (_req, res) => {
    const auth = getSessionAuth(res);
    res.json(await secondFactor.status(auth.user, auth.session));
  });

  mount('startTotp', async (_req, res) => {
    const auth = getSessionAuth(res);
    res.json(await secondFactor.startTotp(auth.user, auth.session.id));
  });

  mount('confirmTotp', async (req, res) => {
    const auth = getSessionAuth(res);
    const codes = await secondFactor.confirmTotp(auth.user, (req.body as TotpConfirmRequest).code, readClientInfo(req));
    res.json({ recovery_codes: codes } satisfies RecoveryCodes);
  });

  mount('removeTotp', async (_req, res) => {
    const auth = getSessionAuth(res);
    await secondFactor.removeTotp(auth.user, auth.session.id);
    res.status(204).end();
  });

  mount('regenerateRecoveryCodes', async (_req, res) => {
    const auth = getSessionAuth(res);
    res.json({ recovery_codes: await secondFactor.regenerateRecoveryCodes(auth.user, auth.session.id) } satisfies RecoveryCodes);
  });

  mount('resetUserSecondFactor', async (req, res) => {
    const auth = getSessionAuth(res);
    await secondFactor.reset(actorOf(auth.user), await findUser(String(req.params.id)));
    res.status(204).end();
  });
}
