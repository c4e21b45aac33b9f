import type { ForgotPasswordRequest, ForgotPasswordResponse, ResetPasswordRequest } from '@gatehouse/shared';
import type { MountRoute } from '../http/mount-route.js';
import { readClientInfo } from '../http/client-info.js';
import { FORGOT_PASSWORD_MESSAGE, type PasswordResetService } from './reset-by-email.js';
import { getRequestAuth } from '../http/auth-guard.js';
import { actorOf } from '../audit/service.js';

export function mountPasswordResetRoutes(mount: MountRoute, passwordReset: PasswordResetService): void {
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

  mount('sendPasswordReset', async (req, res) => {
    res.json(await passwordReset.sendResetLinkAsAdmin(actorOf(getRequestAuth(res).user), String(req.params.id)));
  });
}
