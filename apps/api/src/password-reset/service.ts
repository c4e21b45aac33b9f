import crypto from 'node:crypto';
import { describePasswordProblem } from '@gatehouse/shared';
import type { AppContext } from '../context.js';
import { AppError } from '../http/app-error.js';
import { findPasswordProblem } from '../auth/password-policy.js';
import { createUserRepo } from '../users/repo.js';
import { createPasswordTokenRepo } from './repo.js';
import { actorOf, createAuditLog } from '../audit/service.js';

export type PasswordTokenPurpose = 'setup' | 'reset';

export interface IssuedPasswordToken {
  url: string;
  expiresAt: Date;
}

/** Web UI page that consumes the token (apps/web routes). */
export const RESET_PAGE_PATH = '/reset-password';

export function hashPasswordToken(token: string): string {
  return crypto.createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * One-time links that let a person set a password: the first-start admin setup link, admin-made
 * setup links and (later) emailed reset links. 256 bits from the CSPRNG, only the hash stored,
 * single use, and issuing a new one kills the older ones.
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

  /** A fresh token: the row to store (hash only) and the link to hand out. */
  function prepare(purpose: PasswordTokenPurpose, lifetimeSeconds: number) {
    const token = crypto.randomBytes(32).toString('base64url');
    const now = ctx.clock.now();
    const expiresAt = new Date(now.getTime() + lifetimeSeconds * 1000);
    // Links are built from frontend_url only, never from request headers (Host, X-Forwarded-*).
    const url = `${ctx.config.misc.frontend_url}${RESET_PAGE_PATH}?token=${encodeURIComponent(token)}`;
    return { row: { purpose, tokenHash: hashPasswordToken(token), createdAt: now, expiresAt }, url, expiresAt, now };
  }

  return {
    /** For a new user, whose token row is written together with the user (one statement). */
    prepare,

    async issue(userId: string, purpose: PasswordTokenPurpose, lifetimeSeconds: number): Promise<IssuedPasswordToken> {
      const { row, url, expiresAt, now } = prepare(purpose, lifetimeSeconds);
      await tokens.replaceForUser({ userId, ...row }, now);
      return { url, expiresAt };
    },

    /** Voids every outstanding link of the user (their password changed by other means). */
    async voidAll(userId: string): Promise<void> {
      await tokens.voidAllForUser(userId, ctx.clock.now());
    },

    /**
     * Sets the password, ends every session of the user and uses up the token — all in one
     * transaction. Does not sign the user in.
     */
    async resetPassword(token: string, password: string): Promise<void> {
      const row = await tokens.findByHash(hashPasswordToken(token));
      const now = ctx.clock.now();
      if (!row || row.usedAt !== null || row.expiresAt <= now) throw badToken();
      const user = await users.findById(row.userId);
      if (!user) throw badToken();
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
