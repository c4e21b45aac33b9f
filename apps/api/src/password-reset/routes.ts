import type {
  ForgotPasswordRequest,
  ForgotPasswordResponse,
  RequestVerifyTokenRequest,
  ResetPasswordRequest,
  VerifyEmailRequest,
} from '@gatehouse/shared';
import type { MountRoute } from '../http/mount-route.js';
import { readClientInfo } from '../http/client-info.js';
import { FORGOT_PASSWORD_MESSAGE, type PasswordResetService } from './reset-by-email.js';
import { getRequestAuth } from '../http/auth-guard.js';
import { actorOf } from '../audit/service.js';
import { REQUEST_VERIFY_MESSAGE, type EmailProofService } from './email-proof.js';
import { toUserRead } from '../users/user-read.js';

export function mountPasswordResetRoutes(mount: MountRoute, passwordReset: PasswordResetService, emailProof: EmailProofService): void {
  mount('forgotPassword', async (req, res) => {
    const body = req.body as ForgotPasswordRequest;
    await passwordReset.requestReset(body.email, readClientInfo(req));
    res.status(202).json({ message: FORGOT_PASSWORD_MESSAGE } satisfies ForgotPasswordResponse);
  });

  mount('resetPassword', async (req, res) => {
    const body = req.body as ResetPasswordRequest;
    await passwordReset.resetPassword(body.token, body.password, readClientInfo(req));
    res.status(204).end();
  });

  mount('requestVerifyToken', async (req, res) => {
    const body = req.body as RequestVerifyTokenRequest;
    await emailProof.requestVerification(body.email, readClientInfo(req));
    res.status(202).json({ message: REQUEST_VERIFY_MESSAGE } satisfies ForgotPasswordResponse);
  });

  mount('verifyEmail', async (req, res) => {
    const body = req.body as VerifyEmailRequest;
    res.json(toUserRead(await emailProof.verify(body.token, readClientInfo(req))));
  });

  mount('sendPasswordReset', async (req, res) => {
    res.json(await passwordReset.sendResetLinkAsAdmin(actorOf(getRequestAuth(res).user), String(req.params.id)));
  });
}
