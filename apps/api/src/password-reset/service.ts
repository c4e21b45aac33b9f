import crypto from 'node:crypto';
import { describePasswordProblem } from '@gatehouse/shared';
import type { AppContext } from '../context.js';
import { AppError } from '../http/app-error.js';
import { findPasswordProblem } from '../auth/password-policy.js';
import { createUserRepo } from '../users/repo.js';
import type { Prisma } from '../generated/prisma/client.js';
import { PASSWORD_PURPOSES, createPasswordTokenRepo } from './repo.js';
import { actorOf, createAuditLog } from '../audit/service.js';

export type PasswordTokenPurpose = 'setup' | 'reset' | 'verify';

export interface IssuedPasswordToken {
  url: string;
  expiresAt: Date;
}

/** Web UI page that consumes the token (apps/web routes). */
export const RESET_PAGE_PATH = '/reset-password';
/** Web UI page that confirms an email address with a verify token (apps/web routes). */
export const VERIFY_EMAIL_PAGE_PATH = '/verify-email';

export function hashPasswordToken(token: string): string {
  return crypto.createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * One-time links: the first-start admin setup link, admin-made setup links and emailed reset links
 * (they set a password), and emailed verify links (they prove an address). 256 bits from the
 * CSPRNG, only the hash stored, single use, and issuing a new one kills the older ones of its kind.
 * Every link of an account dies when its address changes or it is deactivated (voidAll).
 */
export function createPasswordTokenService(ctx: AppContext) {
  const tokens = createPasswordTokenRepo(ctx.db.prisma);
  const users = createUserRepo(ctx.db.prisma);
  const audit = createAuditLog(ctx);
  const badToken = () =>
    new AppError(
      'RESET_PASSWORD_BAD_TOKEN',
      'This link is invalid, expired or already used. Ask for a new one.',
    );

  /**
   * A fresh token: the row to store (hash only) and the link to hand out. `email` is the address
   * the link is issued for (required for "verify": the link proves exactly that address).
   */
  function prepare(purpose: PasswordTokenPurpose, lifetimeSeconds: number, email: string | null = null) {
    const token = crypto.randomBytes(32).toString('base64url');
    const now = ctx.clock.now();
    const expiresAt = new Date(now.getTime() + lifetimeSeconds * 1000);
    const page = purpose === 'verify' ? VERIFY_EMAIL_PAGE_PATH : RESET_PAGE_PATH;
    // Links are built from frontend_url only, never from request headers (Host, X-Forwarded-*).
    const url = `${ctx.config.misc.frontend_url}${page}?token=${encodeURIComponent(token)}`;
    return { row: { purpose, email, tokenHash: hashPasswordToken(token), createdAt: now, expiresAt }, url, expiresAt, now };
  }

  return {
    /** For a new user, whose token row is written together with the user (one statement). */
    prepare,

    /** `tx` writes the link inside a caller's transaction (e.g. with the change it confirms). */
    async issue(
      userId: string,
      purpose: PasswordTokenPurpose,
      lifetimeSeconds: number,
      email: string | null = null,
      tx?: Prisma.TransactionClient,
    ): Promise<IssuedPasswordToken> {
      const { row, url, expiresAt, now } = prepare(purpose, lifetimeSeconds, email);
      await tokens.replaceForUser({ userId, ...row }, now, tx);
      return { url, expiresAt };
    },

    /**
     * Voids every outstanding link of the user, of every purpose (their password or address
     * changed, or they were deactivated); `tx` joins the caller's transaction.
     */
    async voidAll(userId: string, tx?: Prisma.TransactionClient): Promise<void> {
      await tokens.voidAllForUser(userId, ctx.clock.now(), tx);
    },

    /**
     * Sets the password, ends every session of the user and uses up the token — all in one
     * transaction. Does not sign the user in.
     */
    async resetPassword(token: string, password: string): Promise<void> {
      const row = await tokens.findByHash(hashPasswordToken(token));
      const now = ctx.clock.now();
      // A verify link never sets a password; a deactivated account is never brought back by a link.
      const isPasswordLink = (PASSWORD_PURPOSES as readonly string[]).includes(row?.purpose ?? '');
      if (!row || !isPasswordLink || row.usedAt !== null || row.expiresAt <= now) throw badToken();
      const user = await users.findById(row.userId);
      if (!user || !user.isActive) throw badToken();
      const problem = findPasswordProblem(password, user.email);
      if (problem) throw new AppError('RESET_PASSWORD_INVALID_PASSWORD', describePasswordProblem(problem));
      const hashedPassword = await ctx.passwordHasher.hash(password);
      const isDone = await tokens.consumeAndSetPassword(row, hashedPassword, now);
      if (!isDone) throw badToken();
      ctx.logger.info({ userId: user.id, purpose: row.purpose }, 'Password set with a one-time link');
      // Whoever holds the link acts as the account's owner.
      await audit.record({ type: 'password.reset', actor: actorOf(user), user, details: { link: row.purpose } });
    },
  };
}

export type PasswordTokenService = ReturnType<typeof createPasswordTokenService>;
