import type { AppContext } from '../context.js';
import type { ClientInfo } from '../auth/service.js';
import { AppError } from '../http/app-error.js';
import { deliverWithRetries } from '../mail/deliver-with-retries.js';
import type { RateLimitRule } from '../rate-limit/service.js';
import { createRateLimiter } from '../rate-limit/service.js';
import { normalizeEmail } from '../users/email.js';
import { createUserRepo, isUniqueViolation, type User } from '../users/repo.js';
import { actorOf, createAuditLog } from '../audit/service.js';
import { createPasswordTokenRepo } from './repo.js';
import { buildEmailChangeNotice, buildVerifyEmail } from './reset-email.js';
import { createPasswordTokenService, hashPasswordToken } from './service.js';

export const REQUEST_VERIFY_MESSAGE =
  'If an account with that email exists and its address still needs confirming, a link to confirm it ' +
  'is on its way. It expires in a while; check your spam folder if it does not arrive.';

const HOUR_MS = 60 * 60_000;

/**
 * Proof of an email address by a one-time link sent to it (fastapi-users' request-verify-token
 * and verify routes). The link is a "verify" row of password_tokens, bound to the address it was
 * sent to: it proves that address and nothing else, and dies with every other link of the
 * account when the address changes or the account is deactivated.
 *
 * Requests are answered 202 before the account is looked up (same answer and timing whether or
 * not it exists or is already proven); the mail goes out in the background, as for resets.
 */
export function createEmailProofService(ctx: AppContext) {
  const tokens = createPasswordTokenService(ctx);
  const tokenRepo = createPasswordTokenRepo(ctx.db.prisma);
  const users = createUserRepo(ctx.db.prisma);
  const rateLimiter = createRateLimiter(ctx);
  const audit = createAuditLog(ctx);
  const { auth, misc } = ctx.config;
  // The forgot-password brakes' limits, on counters of their own (asking for a confirmation link
  // must not spend the password-reset budget, nor the other way round).
  const perEmail: RateLimitRule = { name: 'verify-email', limit: auth.rate_limits.forgot_per_email, windowMs: HOUR_MS };
  const perClient: RateLimitRule = { name: 'verify-client', limit: auth.rate_limits.forgot_per_client, windowMs: HOUR_MS };
  const badToken = () =>
    new AppError('EMAIL_VERIFY_BAD_TOKEN', 'This confirmation link is invalid, expired or already used. Ask for a new one.');

  /** Issues a verify link for `address` (the account's or its pending one) and mails it, in the background. */
  function sendLinkInBackground(user: User, address: string, isChange: boolean): void {
    ctx.tasks.run('email-verification', async () => {
      const { url } = await tokens.issue(user.id, 'verify', auth.email_verification_lifetime, address);
      await deliverWithRetries(ctx, 'email confirmation email', user.id, buildVerifyMessage(address, url, isChange));
    });
  }

  function buildVerifyMessage(to: string, verifyUrl: string, isChange: boolean) {
    return buildVerifyEmail({
      to,
      subject: auth.email_verification_subject,
      verifyUrl,
      lifetimeSeconds: auth.email_verification_lifetime,
      siteUrl: misc.frontend_url,
      isChange,
    });
  }

  return {
    /** After self-registration: the new (unproven) address gets a link when SMTP is configured. */
    sendAfterRegistration(user: User): void {
      if (!ctx.mailer) return;
      sendLinkInBackground(user, user.email, false);
    },

    /**
     * POST /auth/request-verify-token. A pending email change gets its link again at the new
     * address; otherwise an unproven address gets one; anything else gets nothing, with the same
     * answer.
     */
    async requestVerification(email: string, client: ClientInfo): Promise<void> {
      const normalized = normalizeEmail(email);
      await rateLimiter.consume(perClient, client.ipAddress ?? 'unknown');
      await rateLimiter.consume(perEmail, normalized);
      ctx.tasks.run('email-verification-request', async () => {
        if (!ctx.mailer) {
          ctx.logger.warn(
            'An email confirmation link was requested, but no mail could be sent: notifications.smtp_config is not set',
          );
          return;
        }
        const user = await users.findByEmail(normalized);
        if (!user || !user.isActive) {
          ctx.logger.info('Email confirmation requested for an unknown or disabled account; nothing sent');
          return;
        }
        if (user.pendingEmail !== null) {
          const { url } = await tokens.issue(user.id, 'verify', auth.email_verification_lifetime, user.pendingEmail);
          await deliverWithRetries(ctx, 'email confirmation email', user.id, buildVerifyMessage(user.pendingEmail, url, true));
          return;
        }
        if (user.emailVerifiedAt !== null) {
          ctx.logger.info({ userId: user.id }, 'Email confirmation requested for an address already proven; nothing sent');
          return;
        }
        const { url } = await tokens.issue(user.id, 'verify', auth.email_verification_lifetime, user.email);
        await deliverWithRetries(ctx, 'email confirmation email', user.id, buildVerifyMessage(user.email, url, false));
      });
    },

    /**
     * A self-service email change with SMTP configured: the new address waits in pending_email
     * (every older link of the account voided and the new address's link issued in the same
     * transaction), the link goes to the new address and the current one is told.
     */
    async startEmailChange(user: User, newEmail: string): Promise<User> {
      const now = ctx.clock.now();
      const { updated, url } = await users.inTransaction(async (tx) => {
        const changed = await users.update(user.id, { pendingEmail: newEmail }, tx);
        await tokens.voidAll(user.id, tx);
        const issued = await tokens.issue(user.id, 'verify', auth.email_verification_lifetime, newEmail, tx);
        return { updated: changed, url: issued.url };
      });
      ctx.logger.info({ userId: user.id }, 'Email change requested; waiting for the new address to confirm');
      await audit.record({
        type: 'email.change_requested',
        actor: actorOf(user),
        user: updated,
        details: { from: user.email, to: newEmail, requested_at: now.toISOString() },
      });
      ctx.tasks.run('email-change-mails', async () => {
        await deliverWithRetries(ctx, 'email confirmation email', user.id, buildVerifyMessage(newEmail, url, true));
        await deliverWithRetries(
          ctx,
          'email change notice',
          user.id,
          buildEmailChangeNotice({ to: user.email, newEmail, siteUrl: misc.frontend_url }),
        );
      });
      return updated;
    },

    /**
     * POST /auth/verify. Wrong tokens are counted per client (they are unguessable; this stops
     * hammering), on the same brake as wrong reset tokens. Does not sign in.
     */
    async verify(token: string, client: ClientInfo): Promise<User> {
      const subject = client.ipAddress ?? 'unknown';
      const rule = rateLimiter.rules.resetPerClient;
      await rateLimiter.assertAllowed(rule, subject);
      const fail = async (): Promise<never> => {
        await rateLimiter.recordFailure(rule, subject);
        throw badToken();
      };
      const row = await tokenRepo.findByHash(hashPasswordToken(token));
      const now = ctx.clock.now();
      if (!row || row.purpose !== 'verify' || row.email === null || row.usedAt !== null || row.expiresAt <= now) {
        return fail();
      }
      let result: Awaited<ReturnType<typeof tokenRepo.consumeAndProveEmail>>;
      try {
        result = await tokenRepo.consumeAndProveEmail({ id: row.id, userId: row.userId, email: row.email }, now);
      } catch (error) {
        // The new address was taken by another account after the change was asked for.
        if (isUniqueViolation(error)) {
          throw new AppError(
            'UPDATE_USER_EMAIL_ALREADY_EXISTS',
            'Another account uses this address now, so the change cannot be applied. Change your email to another address.',
          );
        }
        throw error;
      }
      if (!result) return fail();
      const { user, previousEmail } = result;
      if (previousEmail !== null) {
        ctx.logger.info({ userId: user.id }, 'Email change confirmed by the new address');
        await audit.record({
          type: 'email.changed',
          actor: actorOf(user),
          user,
          details: { from: previousEmail, to: user.email, confirmed: true },
        });
      } else {
        ctx.logger.info({ userId: user.id }, 'Email address proven by a link');
        await audit.record({ type: 'email.verified', actor: actorOf(user), user, details: { email: user.email } });
      }
      return user;
    },
  };
}

export type EmailProofService = ReturnType<typeof createEmailProofService>;
