/**
 * Re-authentication: sensitive changes (linking or unlinking an identity provider, changing the
 * email of an account without a password) need proof that the person at the keyboard is the
 * session's owner *now*, not just whoever holds a borrowed or forgotten session.
 *
 * One mechanism: a session proved its owner at sign-in (created_at) and again at each
 * re-authentication (authenticated_at: the current password through POST /users/me/reauthenticate
 * or a link request's current_password, or a fresh sign-in at one of the account's providers with
 * prompt=login and max_age=0, see oidc/service.ts). A sensitive change needs that moment within
 * auth.reauthentication_window seconds.
 *
 * The session is read from the database here, not from the per-process session cache: a
 * re-authentication must count at once, and a stale cached copy must never make one count longer.
 */
import type { AppContext } from '../context.js';
import { actorOf, type AuditLog } from '../audit/service.js';
import { AppError } from '../http/app-error.js';
import type { RateLimiter } from '../rate-limit/service.js';
import type { User } from '../users/repo.js';
import type { LinkedAccountRepo } from '../oidc/repo.js';
import { findEnabledProvider } from '../oidc/providers.js';
import type { Session, SessionRepo } from './repo.js';

/** When the session last proved its owner: its sign-in, or its latest re-authentication. */
export function readLastAuthenticatedAt(session: Pick<Session, 'createdAt' | 'authenticatedAt'>): Date {
  return session.authenticatedAt ?? session.createdAt;
}

export function isWithinReauthenticationWindow(session: Pick<Session, 'createdAt' | 'authenticatedAt'>, now: Date, windowSeconds: number): boolean {
  const elapsed = now.getTime() - readLastAuthenticatedAt(session).getTime();
  return elapsed >= 0 && elapsed <= windowSeconds * 1000;
}

export interface ReauthenticationDeps extends Pick<AppContext, 'config' | 'clock' | 'logger' | 'passwordHasher'> {
  readonly sessions: SessionRepo;
  readonly linkedAccounts: LinkedAccountRepo;
  readonly rateLimiter: RateLimiter;
  readonly audit: AuditLog;
}

export function createReauthentication(deps: ReauthenticationDeps) {
  const { config, sessions, linkedAccounts, rateLimiter, audit } = deps;

  /** The 403 that says how this account can prove itself. */
  async function buildRequiredError(user: User): Promise<AppError> {
    const providers = (await linkedAccounts.listOfUser(user.id))
      .map((link) => link.provider)
      .filter((name, index, all) => all.indexOf(name) === index && findEnabledProvider(config, name));
    const ways: string[] = [];
    if (user.hashedPassword !== null) ways.push('your current password (current_password)');
    if (providers.length > 0) ways.push(`a fresh sign-in with ${providers.map((name) => `"${name}"`).join(' or ')} (provider)`);
    const how = ways.length > 0 ? ways.join(', or ') : 'a password (ask an administrator to set one)';
    return new AppError(
      'REAUTHENTICATION_REQUIRED',
      `This change needs a sign-in from the last ${config.auth.reauthentication_window} seconds. Confirm it is you ` +
        `with ${how}: POST /api/v1/users/me/reauthenticate, then try again.`,
    );
  }

  async function isRecent(sessionId: string, userId: string): Promise<boolean> {
    const session = await sessions.findWithUser(sessionId);
    return (
      session !== null &&
      session.userId === userId &&
      session.revokedAt === null &&
      isWithinReauthenticationWindow(session, deps.clock.now(), config.auth.reauthentication_window)
    );
  }

  /**
   * Throws CURRENT_PASSWORD_INVALID unless `password` is the account's. Braked like a sign-in,
   * reserve-then-judge on the account's counter, so a borrowed session cannot be used to guess
   * the password, not even with many requests at once.
   */
  async function verifyCurrentPassword(user: User, password: string): Promise<void> {
    const attempt = await rateLimiter.reserve([[rateLimiter.rules.loginPerAccount, user.email]]);
    let isMatch: boolean;
    try {
      isMatch = user.hashedPassword !== null && (await deps.passwordHasher.verify(password, user.hashedPassword));
    } catch (error) {
      // Not judged (the hashing queue was full): not a failure.
      await attempt.abandon();
      throw error;
    }
    if (!isMatch) {
      await attempt.failed();
      // Someone holding this session does not know its owner's password: worth a line in the trail.
      await audit.record({ type: 'session.reauthentication_failed', actor: actorOf(user), user, method: 'password' });
      throw new AppError('CURRENT_PASSWORD_INVALID', 'Your current password is not correct.');
    }
    await attempt.succeeded();
  }

  return {
    verifyCurrentPassword,

    /** Throws REAUTHENTICATION_REQUIRED unless the session proved its owner within the window. */
    async assertRecentlyAuthenticated(user: User, sessionId: string): Promise<void> {
      if (!(await isRecent(sessionId, user.id))) throw await buildRequiredError(user);
    },

    /**
     * For users/service.ts updateMe: an account WITHOUT a password changes its email on a recent
     * sign-in through one of its providers (it has no current_password to give). Returns whether
     * this alternative applies; throws REAUTHENTICATION_REQUIRED when it would but the sign-in is old.
     * Accounts with a password keep needing current_password (returns false).
     */
    async checkRecentProviderSignIn(user: User, sessionId: string): Promise<boolean> {
      if (user.hashedPassword !== null) return false;
      if (!(await isRecent(sessionId, user.id))) throw await buildRequiredError(user);
      return true;
    },

    /**
     * The current password proves the owner: marks the session. Braked like a sign-in (the
     * account's failure counter), so a borrowed session cannot be used to guess the password.
     */
    async reauthenticateWithPassword(user: User, sessionId: string, password: string): Promise<void> {
      await verifyCurrentPassword(user, password);
      await sessions.markAuthenticated(sessionId, deps.clock.now());
      await audit.record({
        type: 'session.reauthenticated',
        actor: actorOf(user),
        user,
        method: 'password',
        details: { session_id: sessionId },
      });
      deps.logger.info({ userId: user.id }, 'Session re-authenticated with the current password');
    },
  };
}

export type Reauthentication = ReturnType<typeof createReauthentication>;
