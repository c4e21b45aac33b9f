import type { AdminPasswordResetResponse } from '@gatehouse/shared';
import type { AppContext } from '../context.js';
import type { ClientInfo } from '../auth/service.js';
import { AppError } from '../http/app-error.js';
import type { MailMessage } from '../mail/mailer.js';
import { deliverWithRetries, logDeliveryFailure } from '../mail/deliver-with-retries.js';
import type { RateLimiter } from '../rate-limit/service.js';
import { normalizeEmail } from '../users/email.js';
import type { UserRepo } from '../users/repo.js';
import { isUuid } from '../db/uuid.js';
import { buildResetEmail } from './reset-email.js';
import type { AuditActor, AuditLog } from '../audit/service.js';
import type { PasswordTokenService } from './service.js';

export const FORGOT_PASSWORD_MESSAGE =
  'If an account with that email exists and password resets by email are enabled, a link to reset ' +
  'the password is on its way. It expires soon; check your spam folder if it does not arrive.';

/**
 * "Forgot password" by email. The request is answered 202 before the account is even looked up,
 * so neither the answer nor its timing tells whether the account exists, and an SMTP outage never
 * turns into an error or a slow answer for the user: the email goes out in the background, with
 * retries, and failures go to the log for the admin.
 */
export interface PasswordResetServiceDeps extends Pick<AppContext, 'config' | 'logger' | 'mailer' | 'mailRetryDelaysMs' | 'tasks'> {
  readonly users: UserRepo;
  readonly tokens: PasswordTokenService;
  readonly rateLimiter: RateLimiter;
  readonly audit: AuditLog;
}

export function createPasswordResetService(deps: PasswordResetServiceDeps) {
  const { tokens, users, rateLimiter, audit } = deps;
  const { rules } = rateLimiter;
  const { auth, misc } = deps.config;

  function buildMessage(to: string, resetUrl: string): MailMessage {
    return buildResetEmail({
      to,
      subject: auth.password_reset_subject,
      resetUrl,
      lifetimeSeconds: auth.reset_link_lifetime,
      siteUrl: misc.frontend_url,
    });
  }

  return {
    async requestReset(email: string, client: ClientInfo): Promise<void> {
      const normalized = normalizeEmail(email);
      await rateLimiter.consume(rules.forgotPerClient, client.ipAddress ?? 'unknown');
      await rateLimiter.consume(rules.forgotPerEmail, normalized);
      deps.tasks.run('password-reset-email', async () => {
        if (!auth.email_password_resets || !deps.mailer) {
          deps.logger.info('Password reset by email requested, but email_password_resets is off; nothing sent');
          return;
        }
        const user = await users.findByEmail(normalized);
        if (!user || !user.isActive) {
          deps.logger.info('Password reset requested for an unknown or disabled account; nothing sent');
          return;
        }
        const { url } = await tokens.issue(user.id, 'reset', auth.reset_link_lifetime, user.email);
        await deliverWithRetries(deps, 'password reset email', user.id, buildMessage(user.email, url));
      });
    },

    /** Admin-issued link: emailed when SMTP is configured, otherwise handed back to the admin. */
    async sendResetLinkAsAdmin(actor: AuditActor, userId: string): Promise<AdminPasswordResetResponse> {
      const user = isUuid(userId) ? await users.findById(userId) : null;
      if (!user) throw new AppError('USER_NOT_FOUND', 'No user with this id.');
      const lifetime = user.hashedPassword === null ? auth.setup_link_lifetime : auth.reset_link_lifetime;
      const { url, expiresAt } = await tokens.issue(user.id, user.hashedPassword === null ? 'setup' : 'reset', lifetime, user.email);
      const result = { expires_at: expiresAt.toISOString() };
      const recordIssued = (isEmailed: boolean) => audit.record({ type: 'admin.reset_link_issued', actor, user, details: { emailed: isEmailed } });
      if (!deps.mailer) {
        await recordIssued(false);
        return { ...result, sent: false, reset_url: url, delivery_error: null };
      }
      try {
        await deps.mailer.send(buildMessage(user.email, url));
        deps.logger.info({ userId }, 'Admin sent a password reset email');
        await recordIssued(true);
        return { ...result, sent: true, reset_url: null, delivery_error: null };
      } catch (error) {
        logDeliveryFailure(deps, 'password reset email', userId, error, undefined);
        const cause = error instanceof Error ? error.message : String(error);
        await recordIssued(false);
        return { ...result, sent: false, reset_url: url, delivery_error: cause };
      }
    },

    /**
     * POST /auth/reset-password, with attempts counted per client before the link is checked
     * (reserve-then-judge, like sign-in): tokens are unguessable; this stops hammering, however
     * many requests arrive at once. Only a bad link stays counted.
     */
    async resetPassword(token: string, password: string, client: ClientInfo): Promise<void> {
      const attempt = await rateLimiter.reserve([[rules.resetPerClient, client.ipAddress ?? '']]);
      try {
        await tokens.resetPassword(token, password);
      } catch (error) {
        if (error instanceof AppError && error.code === 'RESET_PASSWORD_BAD_TOKEN') await attempt.failed();
        else await attempt.abandon();
        throw error;
      }
      await attempt.succeeded();
    },
  };
}

export type PasswordResetService = ReturnType<typeof createPasswordResetService>;
