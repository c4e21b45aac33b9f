import crypto from 'node:crypto';
import { describePasswordProblem } from '@gatehouse/shared';
import type { AppContext } from '../context.js';
import { AppError } from '../http/app-error.js';
import { findPasswordProblem } from '../auth/password-policy.js';
import type { UserRepo } from '../users/repo.js';
import type { PasswordTokenPurpose } from '../generated/prisma/client.js';
import type { WithTransaction } from '../db/repositories.js';
import { PASSWORD_PURPOSES, type PasswordTokenRepo } from './repo.js';
import { actorOf, type AuditLog } from '../audit/service.js';

export type { PasswordTokenPurpose };

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
export interface PasswordTokenServiceDeps extends Pick<AppContext, 'config' | 'clock' | 'logger' | 'passwordHasher'> {
  readonly passwordTokens: PasswordTokenRepo;
  readonly users: UserRepo;
  readonly withTransaction: WithTransaction;
  readonly audit: AuditLog;
}

export function createPasswordTokenService(deps: PasswordTokenServiceDeps) {
  const { passwordTokens: tokens, users, audit } = deps;
  const badToken = () => new AppError('RESET_PASSWORD_BAD_TOKEN', 'This link is invalid, expired or already used. Ask for a new one.');

  /**
   * A fresh token: the row to store (hash only) and the link to hand out. `email` is the address
   * the link is issued for (required for "verify": the link proves exactly that address).
   */
  function prepare(purpose: PasswordTokenPurpose, lifetimeSeconds: number, email: string | null = null) {
    const token = crypto.randomBytes(32).toString('base64url');
    const now = deps.clock.now();
    const expiresAt = new Date(now.getTime() + lifetimeSeconds * 1000);
    const page = purpose === 'verify' ? VERIFY_EMAIL_PAGE_PATH : RESET_PAGE_PATH;
    // Links are built from frontend_url only, never from request headers (Host, X-Forwarded-*).
    const url = `${deps.config.misc.frontend_url}${page}?token=${encodeURIComponent(token)}`;
    return { row: { purpose, email, tokenHash: hashPasswordToken(token), createdAt: now, expiresAt }, url, expiresAt, now };
  }

  return {
    /** For a new user, whose token row is written together with the user (one statement). */
    prepare,

    /**
     * Issues a link, voiding the older ones of its kind. (A caller writing the link together with
     * the change it confirms prepares it and stores it through its transaction's repositories.)
     */
    async issue(userId: string, purpose: PasswordTokenPurpose, lifetimeSeconds: number, email: string | null = null): Promise<IssuedPasswordToken> {
      const { row, url, expiresAt, now } = prepare(purpose, lifetimeSeconds, email);
      await tokens.replaceForUser({ userId, ...row }, now);
      return { url, expiresAt };
    },

    /**
     * Sets the password, ends every session of the user and uses up the token — all in one
     * transaction. Does not sign the user in.
     */
    async resetPassword(token: string, password: string): Promise<void> {
      const row = await tokens.findByHash(hashPasswordToken(token));
      const now = deps.clock.now();
      // A verify link never sets a password; a deactivated account is never brought back by a link.
      if (!row || !PASSWORD_PURPOSES.includes(row.purpose) || row.usedAt !== null || row.expiresAt <= now) throw badToken();
      const user = await users.findById(row.userId);
      if (!user || !user.isActive) throw badToken();
      const problem = findPasswordProblem(password, user.email);
      if (problem) throw new AppError('RESET_PASSWORD_INVALID_PASSWORD', describePasswordProblem(problem));
      const hashedPassword = await deps.passwordHasher.hash(password);
      // Uses the link up, sets the password, kills the user's other password links and ends every
      // session, all or nothing. The link is used up only if it still is good (unused, unexpired,
      // account active): two simultaneous uses succeed at most once, and a reset never brings a
      // deactivated account back.
      const isDone = await deps.withTransaction(async (tx) => {
        if (!(await tx.passwordTokens.consume(row.id, PASSWORD_PURPOSES, now))) return false;
        await tx.users.update(row.userId, { hashedPassword, passwordChangedAt: now });
        await tx.passwordTokens.voidPasswordLinks(row.userId, now);
        await tx.sessions.revokeAllForUser(row.userId, now);
        return true;
      });
      if (!isDone) throw badToken();
      deps.logger.info({ userId: user.id, purpose: row.purpose }, 'Password set with a one-time link');
      // Whoever holds the link acts as the account's owner.
      await audit.record({ type: 'password.reset', actor: actorOf(user), user, details: { link: row.purpose } });
    },
  };
}

export type PasswordTokenService = ReturnType<typeof createPasswordTokenService>;
