import type { AppContext } from '../context.js';
import type { PasswordTokenService } from '../password-reset/service.js';
import { isUniqueViolationOn } from '../db/prisma-errors.js';
import { normalizeEmail } from './email.js';
import type { UserRepo } from './repo.js';

export interface AdminBootstrapDeps extends Pick<AppContext, 'config' | 'clock' | 'logger'> {
  readonly users: UserRepo;
  readonly tokens: Pick<PasswordTokenService, 'issue'>;
}

/**
 * Applies [auth] admin_emails at start-up (runs under the migration lock, so replicas starting
 * together do it once):
 * - a listed email without an account gets an admin account with no password, and a one-time
 *   link to choose one is logged — never a default password;
 * - an existing account whose email is listed becomes admin only when its address is proven
 *   (email_verified_at) and it is approved (is_verified): anyone can self-register, or change
 *   their email to, an address they do not own;
 * - a listed admin that still has no password gets a fresh link at every start, until it is used.
 */
export async function ensureAdminAccounts(deps: AdminBootstrapDeps): Promise<void> {
  const { users, tokens: passwordTokens } = deps;
  const lifetime = deps.config.auth.setup_link_lifetime;

  // The config loader normalises already; normalising again keeps this safe for any caller.
  for (const email of new Set(deps.config.auth.admin_emails.map(normalizeEmail))) {
    let user = await users.findByEmail(email);
    let isNew = false;
    if (!user) {
      try {
        user = await users.create({
          email,
          hashedPassword: null,
          isActive: true,
          isSuperuser: true,
          isVerified: true,
          // Set by the administrator's own configuration: proven.
          emailVerifiedAt: deps.clock.now(),
        });
        isNew = true;
      } catch (error) {
        if (!isUniqueViolationOn(error, 'users_email_key')) throw error;
        user = await users.findByEmail(email);
        if (!user) throw error;
      }
    }

    if (!user.isSuperuser) {
      if (user.emailVerifiedAt === null) {
        deps.logger.warn(
          { email },
          'admin_emails lists an account whose email address is not proven; it was NOT made admin. ' +
            'Its owner must confirm the address (the link in the confirmation email), or an administrator set it, then restart.',
        );
        continue;
      }
      if (!user.isVerified) {
        deps.logger.warn(
          { email },
          'admin_emails lists an unverified self-registered account; it was NOT made admin. Verify it in the admin page first, then restart.',
        );
        continue;
      }
      user = await users.update(user.id, { isSuperuser: true });
      deps.logger.info({ email }, 'Account promoted to admin (listed in admin_emails)');
    }

    if (user.hashedPassword === null && user.isActive) {
      const { url, expiresAt } = await passwordTokens.issue(user.id, 'setup', lifetime, user.email);
      deps.logger.info(
        { email, setup_url: url, expires_at: expiresAt.toISOString() },
        `${isNew ? 'Admin account created' : 'Admin account has no password yet'} for ${email}. ` +
          `Open this link to choose its password (valid until ${expiresAt.toISOString()}): ${url}`,
      );
    }
  }
}
