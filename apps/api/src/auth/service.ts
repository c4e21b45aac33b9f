import { describePasswordProblem } from '@gatehouse/shared';
import type { AppContext } from '../context.js';
import { AppError } from '../http/app-error.js';
import type { User, UserRepo } from '../users/repo.js';
import { normalizeEmail, normalizeNewEmail, rethrowIfAccountExists } from '../users/email.js';
import { isUuid } from '../db/uuid.js';
import type { Session, SessionRepo } from './repo.js';
import type { SessionTransport } from '../generated/prisma/client.js';
import { createSessionCache, type SessionWithUser } from './session-cache.js';
import { isLiveSessionOf } from './session-liveness.js';
import { findPasswordProblem } from './password-policy.js';
import { mustAddSecondFactor } from '../second-factor/policy.js';
import { secondFactorRequired, type SecondFactorService } from '../second-factor/service.js';
import {
  createForwardTokenKey,
  createForwardTokenVerifier,
  createSessionTokenKey,
  createTokenVerifier,
  type SessionClaims,
} from './session-token.js';
import type { ClientInfo, IssueSession, IssuedSession } from './session-issuer.js';
import type { RateLimiter } from '../rate-limit/service.js';
import { NOT_AN_EMAIL, isWellFormedEmail } from './login-username.js';
import { ANONYMOUS_ACTOR, actorOf, type AuditLog } from '../audit/service.js';
import type { EmailProofService } from '../password-reset/email-proof.js';

export type { SessionTransport };

export type { ClientInfo, IssuedSession };

export interface Authenticated {
  user: User;
  session: Session;
  /** [auth] second_factor: this session may do nothing but add a second factor until the account has one. */
  mustAddSecondFactor: boolean;
}

/** Only bump last_seen_at this often, so authenticated reads do not all turn into writes. */
const LAST_SEEN_RESOLUTION_MS = 60_000;

export interface AuthServiceDeps extends Pick<AppContext, 'config' | 'clock' | 'logger' | 'passwordHasher'> {
  readonly users: UserRepo;
  readonly sessions: SessionRepo;
  readonly rateLimiter: RateLimiter;
  readonly audit: AuditLog;
  readonly emailProof: Pick<EmailProofService, 'sendAfterRegistration'>;
  readonly issueSession: IssueSession;
  readonly secondFactor: Pick<SecondFactorService, 'finishFirstFactor'>;
}

export function createAuthService(deps: AuthServiceDeps) {
  const { users, sessions, rateLimiter, audit, emailProof } = deps;
  const { rules } = rateLimiter;
  const { auth } = deps.config;
  const tokenKey = createSessionTokenKey(auth.token_secret);
  const forwardTokenKey = createForwardTokenKey(auth.token_secret);
  const verifyToken = createTokenVerifier(tokenKey);
  const verifyForwardToken = createForwardTokenVerifier(forwardTokenKey);
  const idleTimeoutMs = auth.session_idle_timeout * 1000;
  const sessionCache = createSessionCache(auth.session_cache_seconds * 1000);

  const badCredentials = () => new AppError('LOGIN_BAD_CREDENTIALS', 'Incorrect email or password, or the account is disabled.');

  /**
   * The session a valid token names, if it is still live, used within auth.session_idle_timeout,
   * of the transport the token came by (a cookie session's token is no Bearer token, and the
   * reverse), and its user active.
   */
  function acceptSession(
    found: SessionWithUser | null,
    claims: SessionClaims,
    transport: SessionTransport,
    now: Date,
    isFromCache: boolean,
  ): Authenticated | null {
    if (!isLiveSessionOf(found, claims.sub, now) || found.transport !== transport || now.getTime() - found.lastSeenAt.getTime() >= idleTimeoutMs) {
      return null;
    }
    // A cached row's lastSeenAt is as old as the cache entry; the next lookup records activity.
    if (!isFromCache && now.getTime() - found.lastSeenAt.getTime() > LAST_SEEN_RESOLUTION_MS) {
      // The cached copy (the same object) learns it too, so the idle check above never judges a
      // session in use by a stale time.
      found.lastSeenAt = now;
      sessions.touch(found.id, now).catch((error: unknown) => {
        deps.logger.warn({ err: error }, 'Could not record session activity');
      });
    }
    const { user, ...session } = found;
    return { user, session, mustAddSecondFactor: mustAddSecondFactor(deps.config, user, session) };
  }

  function lookUp(claims: SessionClaims, transport: SessionTransport, now: Date): Authenticated | null | Promise<Authenticated | null> {
    // A malformed session id cannot name a session (and must not reach the uuid column).
    if (!isUuid(claims.sid)) return null;
    const nowMs = now.getTime();
    const cached = sessionCache.find(claims.sid, nowMs);
    if (cached) return acceptSession(cached, claims, transport, now, true);
    const readGeneration = sessionCache.currentGeneration();
    return sessions.findWithUser(claims.sid).then((found) => {
      if (found) sessionCache.store(found.id, found, nowMs, readGeneration);
      return acceptSession(found, claims, transport, now, false);
    });
  }

  return {
    issueSession: deps.issueSession,

    /**
     * Email + password sign-in. Unknown email, wrong password, no password set and disabled
     * account all answer the same LOGIN_BAD_CREDENTIALS, and all spend one bcrypt comparison
     * (against a dummy hash when there is no real one), so neither the answer nor its timing
     * tells which accounts exist.
     */
    async loginWithPassword(email: string, password: string, transport: SessionTransport, client: ClientInfo): Promise<IssuedSession> {
      if (!auth.password_login_enabled) {
        throw new AppError('PASSWORD_LOGIN_DISABLED', 'Password sign-in is turned off on this server.');
      }
      const normalizedEmail = normalizeEmail(email);
      const user = await users.findByEmail(normalizedEmail);
      // Only an address (or an account's own address) is named in the audit trail and the account's
      // brake key; anything else may be a password typed into the wrong field.
      const isNamed = user !== null || isWellFormedEmail(normalizedEmail);
      // Brute-force brakes (OWASP ASVS 2.2.1), reserve-then-judge: the attempt is counted BEFORE
      // the password is checked, atomically, so simultaneous guesses cannot outrun the limit.
      // Unknown emails are counted like real ones, so a 429 says nothing about which accounts
      // exist; a non-address is counted against its client (address unknown: one shared key).
      const attempt = await rateLimiter.reserve([
        ...(isNamed ? [[rules.loginPerAccount, normalizedEmail] as const] : []),
        ...(client.ipAddress || !isNamed ? [[rules.loginPerClient, client.ipAddress ?? ''] as const] : []),
      ]);
      const fail = async (reason: string, userId: string | null = null): Promise<never> => {
        await attempt.failed();
        // The audit trail (admins only) may say why; the answer to the caller never does.
        await audit.record({
          type: 'sign_in.failed',
          actor: ANONYMOUS_ACTOR,
          user: { id: userId, email: isNamed ? normalizedEmail : null },
          method: 'password',
          ipAddress: client.ipAddress,
          details: isNamed ? { reason } : { reason, username: NOT_AN_EMAIL },
        });
        throw badCredentials();
      };
      /** A check the hasher could not run (queue full: 503) was never judged: not a failure. */
      const judge = async <T>(check: Promise<T>): Promise<T> => {
        try {
          return await check;
        } catch (error) {
          await attempt.abandon();
          throw error;
        }
      };
      // No account has an address that is not one: nothing to compare, no hashing spent.
      if (!isNamed) return fail('unknown_email');
      if (!user || user.hashedPassword === null) {
        await judge(deps.passwordHasher.verifyDummy(password));
        return fail(user ? 'no_password_set' : 'unknown_email', user?.id);
      }
      const isMatch = await judge(deps.passwordHasher.verify(password, user.hashedPassword));
      if (!isMatch || !user.isActive) return fail(isMatch ? 'account_disabled' : 'wrong_password', user.id);
      // A success wipes the account's window (its failures and this attempt) and gives the
      // client's attempt back: one statement.
      await attempt.succeeded();
      // An account with a second factor gets no session yet: 401 SECOND_FACTOR_REQUIRED.
      const outcome = await deps.secondFactor.finishFirstFactor(user, { transport, authMethod: 'password', client }, true);
      if ('challenge' in outcome) throw secondFactorRequired(outcome.challenge);
      const { issued } = outcome;
      deps.logger.info({ userId: user.id, transport }, 'User signed in with password');
      await audit.record({
        type: 'sign_in.succeeded',
        actor: actorOf(user),
        user,
        method: 'password',
        ipAddress: client.ipAddress,
        details: { transport },
      });
      return issued;
    },

    /**
     * A token is good only while its session row is live and its user active: signature and
     * expiry alone would make logout, deactivation and password changes cosmetic.
     *
     * Answers at once when this process checked the session within auth.session_cache_seconds,
     * and with a promise of the database's answer otherwise: the cached case, which is nearly every
     * request, then makes no promise at all: AsyncLocalStorage's per-promise hooks charge for every
     * async step, and this runs on every authenticated request.
     */
    authenticate(token: string, transport: SessionTransport): Authenticated | null | Promise<Authenticated | null> {
      const now = deps.clock.now();
      const claims = verifyToken(token, now);
      if (!claims) return null;
      return lookUp(claims, transport, now);
    },

    /** Whether a token is signed as a Gatehouse session token (live or not), not someone else's. */
    isSessionToken(token: string): boolean {
      return verifyToken(token, deps.clock.now()) !== null;
    },

    /**
     * ForwardAuth's credential (the gatehouse_forward cookie): good while the cookie session it
     * names is, and only where /auth/forward asks for it; authenticate() never accepts it.
     */
    authenticateForward(token: string): Authenticated | null | Promise<Authenticated | null> {
      const now = deps.clock.now();
      const claims = verifyForwardToken(token, now);
      if (!claims) return null;
      return lookUp(claims, 'cookie', now);
    },

    /** Forget every cached session check: a session or a user may just have changed. */
    forgetCachedSessions(): void {
      sessionCache.invalidateAll();
    },

    async logout(sessionId: string, user: User): Promise<void> {
      await sessions.revokeOne(sessionId, user.id, deps.clock.now());
      await audit.record({ type: 'sign_out', actor: actorOf(user), user });
    },

    /**
     * Self-registration. Accounts start unverified (an admin approves them, as in MediaManager)
     * and never as admin, even for an email listed in admin_emails: that list is applied at
     * start-up only, so registering first cannot capture an admin account. The address starts
     * unproven; with SMTP configured a link to prove it is emailed.
     */
    async register(input: { email: string; password: string; display_name?: string | null }, client: ClientInfo): Promise<User> {
      if (!auth.registration_enabled) {
        throw new AppError('REGISTRATION_DISABLED', 'Registration is closed on this server. Ask an administrator for an account.');
      }
      // Every attempt counts (a bot creating accounts succeeds): so many per client per hour.
      await rateLimiter.consume(rules.registerPerClient, client.ipAddress ?? 'unknown');
      const email = normalizeNewEmail(input.email);
      const problem = findPasswordProblem(input.password, email);
      if (problem) throw new AppError('REGISTER_INVALID_PASSWORD', describePasswordProblem(problem));
      const hashedPassword = await deps.passwordHasher.hash(input.password);
      try {
        const user = await users.create({
          email,
          hashedPassword,
          displayName: input.display_name ?? null,
          isActive: true,
          isSuperuser: false,
          isVerified: false,
          emailVerifiedAt: null,
          passwordChangedAt: deps.clock.now(),
        });
        deps.logger.info({ userId: user.id }, 'User registered');
        await audit.record({ type: 'account.registered', actor: actorOf(user), user, method: 'password' });
        emailProof.sendAfterRegistration(user);
        return user;
      } catch (error) {
        rethrowIfAccountExists(error);
      }
    },

    /**
     * Housekeeping: drops sessions that can never authenticate again (expired, revoked, or idle for
     * auth.session_idle_timeout — the same test authenticate() applies) and spent rate-limit windows.
     */
    async purgeExpired(): Promise<number> {
      const now = deps.clock.now();
      const { count } = await sessions.purgeDead(now, new Date(now.getTime() - idleTimeoutMs));
      return count + (await rateLimiter.purgeExpired());
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
