import type { AppContext } from '../context.js';
import { createPasswordTokenService } from '../password-reset/service.js';
import { normalizeEmail } from './email.js';
import { createUserRepo, isUniqueViolation } from './repo.js';

/**
 * Applies [auth] admin_emails at start-up (runs under the migration lock, so replicas starting
 * together do it once):
 * - a listed email without an account gets an admin account with no password, and a one-time
 *   link to choose one is logged — never a default password;
 * - an existing verified account whose email is listed becomes admin. An unverified one is not
 *   promoted: anyone can self-register an address they do not own, so an admin must approve it
 *   first;
 * - a listed admin that still has no password gets a fresh link at every start, until it is used.
 */
export async function ensureAdminAccounts(ctx: AppContext): Promise<void> {
  const users = createUserRepo(ctx.db.prisma);
  const passwordTokens = createPasswordTokenService(ctx);
  const lifetime = ctx.config.auth.setup_link_lifetime;

  // The config loader normalises already; normalising again keeps this safe for any caller.
  for (const email of new Set(ctx.config.auth.admin_emails.map(normalizeEmail))) {
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
        });
        isNew = true;
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        user = await users.findByEmail(email);
        if (!user) throw error;
      }
    }

    if (!user.isSuperuser) {
      if (!user.isVerified) {
        ctx.logger.warn(
          { email },
          'admin_emails lists an unverified self-registered account; it was NOT made admin. Verify it in the admin page first, then restart.',
        );
        continue;
      }
      user = await users.update(user.id, { isSuperuser: true });
      ctx.logger.info({ email }, 'Account promoted to admin (listed in admin_emails)');
    }

    if (user.hashedPassword === null && user.isActive) {
      const { url, expiresAt } = await passwordTokens.issue(user.id, 'setup', lifetime);
      ctx.logger.info(
        { email, setup_url: url, expires_at: expiresAt.toISOString() },
        `${isNew ? 'Admin account created' : 'Admin account has no password yet'} for ${email}. ` +
          `Open this link to choose its password (valid until ${expiresAt.toISOString()}): ${url}`,
      );
    }
  }
}
