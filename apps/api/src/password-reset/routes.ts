import type { ResetPasswordRequest } from '@gatehouse/shared';
import type { MountRoute } from '../http/mount-route.js';
import type { PasswordTokenService } from './service.js';

export function mountPasswordResetRoutes(mount: MountRoute, passwordTokens: PasswordTokenService): void {
  mount('resetPassword', async (req, res) => {
    const body = req.body as ResetPasswordRequest;
    await passwordTokens.resetPassword(body.token, body.password);
    res.status(204).end();
  });
}
