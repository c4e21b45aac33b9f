import type { AppContext } from '../context.js';
import type { ClientInfo } from '../auth/service.js';
import { AppError } from '../http/app-error.js';
import { deliverWithRetries } from '../mail/deliver-with-retries.js';
import type { RateLimitRule } from '../rate-limit/service.js';
import type { RateLimiter } from '../rate-limit/service.js';
import { normalizeEmail } from '../users/email.js';
import type { User, UserRepo } from '../users/repo.js';
import { isUniqueViolationOn } from '../db/prisma-errors.js';
import type { WithTransaction } from '../db/repositories.js';
import { actorOf, type AuditLog } from '../audit/service.js';
import type { PasswordTokenRepo } from './repo.js';
import { buildEmailChangeNotice, buildVerifyEmail } from './reset-email.js';
import { hashPasswordToken, type PasswordTokenService } from './service.js';

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
export interface EmailProofServiceDeps extends Pick<AppContext, 'config' | 'clock' | 'logger' | 'mailer' | 'mailRetryDelaysMs' | 'tasks'> {
  readonly passwordTokens: PasswordTokenRepo;
  readonly users: UserRepo;
  readonly withTransaction: WithTransaction;
  readonly tokens: PasswordTokenService;
  readonly rateLimiter: RateLimiter;
  readonly audit: AuditLog;
}

export function createEmailProofService(deps: EmailProofServiceDeps) {
  const { tokens, passwordTokens: tokenRepo, users, rateLimiter, audit } = deps;
  const { auth, misc } = deps.config;
  // The forgot-password brakes' limits, on counters of their own (asking for a confirmation link
  // must not spend the password-reset budget, nor the other way round).
  const perEmail: RateLimitRule = { name: 'verify-email', limit: auth.rate_limits.forgot_per_email, windowMs: HOUR_MS };
  const perClient: RateLimitRule = { name: 'verify-client', limit: auth.rate_limits.forgot_per_client, windowMs: HOUR_MS };
  const badToken = () => new AppError('EMAIL_VERIFY_BAD_TOKEN', 'This confirmation link is invalid, expired or already used. Ask for a new one.');

  /** Issues a verify link for `address` (the account's or its pending one) and mails it, in the background. */
  function sendLinkInBackground(user: User, address: string, isChange: boolean): void {
    deps.tasks.run('email-verification', async () => {
      const { url } = await tokens.issue(user.id, 'verify', auth.email_verification_lifetime, address);
      await deliverWithRetries(deps, 'email confirmation email', user.id, buildVerifyMessage(address, url, isChange));
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

  /**
   * Uses up a verify link and proves the address it was issued for, in one transaction: the
   * account's current address (email_verified_at := now), or its pending change (email :=
   * pending_email, proven). Applying a change voids every other link of the account. Returns
   * null when this use lost (used, expired, deactivated, or the address is no longer the
   * account's current or pending one). A unique violation (the new address was taken
   * meanwhile) rolls everything back and reaches the caller.
   */
  function consumeAndProveEmail(tokenId: string, userId: string, email: string, now: Date) {
    return deps.withTransaction(async (tx) => {
      if (!(await tx.passwordTokens.consume(tokenId, ['verify'], now))) return null;
      const user = await tx.users.findById(userId);
      if (!user) return null;
      if (user.pendingEmail === email) {
        const updated = await tx.users.update(user.id, { email, pendingEmail: null, emailVerifiedAt: now });
        await tx.passwordTokens.voidAllForUser(user.id, now);
        return { user: updated, previousEmail: user.email };
      }
      if (user.email === email) {
        const updated = await tx.users.update(user.id, { emailVerifiedAt: user.emailVerifiedAt ?? now });
        await tx.passwordTokens.voidVerifyLinks(user.id, email, now);
        return { user: updated, previousEmail: null };
      }
      return null;
    });
  }

  return {
    /** After self-registration: the new (unproven) address gets a link when SMTP is configured. */
    sendAfterRegistration(user: User): void {
      if (!deps.mailer) return;
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
      deps.tasks.run('email-verification-request', async () => {
        if (!deps.mailer) {
          deps.logger.warn('An email confirmation link was requested, but no mail could be sent: notifications.smtp_config is not set');
          return;
        }
        const user = await users.findByEmail(normalized);
        if (!user || !user.isActive) {
          deps.logger.info('Email confirmation requested for an unknown or disabled account; nothing sent');
          return;
        }
        if (user.pendingEmail !== null) {
          const { url } = await tokens.issue(user.id, 'verify', auth.email_verification_lifetime, user.pendingEmail);
          await deliverWithRetries(deps, 'email confirmation email', user.id, buildVerifyMessage(user.pendingEmail, url, true));
          return;
        }
        if (user.emailVerifiedAt !== null) {
          deps.logger.info({ userId: user.id }, 'Email confirmation requested for an address already proven; nothing sent');
          return;
        }
        const { url } = await tokens.issue(user.id, 'verify', auth.email_verification_lifetime, user.email);
        await deliverWithRetries(deps, 'email confirmation email', user.id, buildVerifyMessage(user.email, url, false));
      });
    },

    /**
     * A self-service email change with SMTP configured: the new address waits in pending_email
     * (every older link of the account voided and the new address's link issued in the same
     * transaction), the link goes to the new address and the current one is told.
     */
    async startEmailChange(user: User, newEmail: string): Promise<User> {
      const now = deps.clock.now();
      const { updated, url } = await deps.withTransaction(async (tx) => {
        const changed = await tx.users.update(user.id, { pendingEmail: newEmail });
        await tx.passwordTokens.voidAllForUser(user.id, now);
        const link = tokens.prepare('verify', auth.email_verification_lifetime, newEmail);
        await tx.passwordTokens.replaceForUser({ userId: user.id, ...link.row }, link.now);
        return { updated: changed, url: link.url };
      });
      deps.logger.info({ userId: user.id }, 'Email change requested; waiting for the new address to confirm');
      await audit.record({
        type: 'email.change_requested',
        actor: actorOf(user),
        user: updated,
        details: { from: user.email, to: newEmail, requested_at: now.toISOString() },
      });
      deps.tasks.run('email-change-mails', async () => {
        await deliverWithRetries(deps, 'email confirmation email', user.id, buildVerifyMessage(newEmail, url, true));
        await deliverWithRetries(
          deps,
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
      const now = deps.clock.now();
      if (!row || row.purpose !== 'verify' || row.email === null || row.usedAt !== null || row.expiresAt <= now) {
        return fail();
      }
      let result: { user: User; previousEmail: string | null } | null;
      try {
        result = await consumeAndProveEmail(row.id, row.userId, row.email, now);
      } catch (error) {
        // The new address was taken by another account after the change was asked for.
        if (isUniqueViolationOn(error, 'users_email_key')) {
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
        deps.logger.info({ userId: user.id }, 'Email change confirmed by the new address');
        await audit.record({
          type: 'email.changed',
          actor: actorOf(user),
          user,
          details: { from: previousEmail, to: user.email, confirmed: true },
        });
      } else {
        deps.logger.info({ userId: user.id }, 'Email address proven by a link');
        await audit.record({ type: 'email.verified', actor: actorOf(user), user, details: { email: user.email } });
      }
      return user;
    },
  };
}

export type EmailProofService = ReturnType<typeof createEmailProofService>;
