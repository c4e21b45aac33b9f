/**
 * The second factor: an authenticator app (TOTP) with single-use recovery codes.
 *
 * Sign-in with a second factor is two steps. A correct password (or a sign-in through a provider
 * with require_second_factor) creates no session for an account that has one: it creates a
 * pending sign-in, a row named by a signed token that lives 5 minutes, is bound to the transport
 * it started on (a browser holds it in an HttpOnly cookie; a Bearer client gets it in the 401's
 * body), accepts at most MAX_FAILURES wrong codes and completes once. Only then is a session
 * issued, so every session check (and ForwardAuth) is unchanged: a session exists only after
 * every factor. Wrong codes are braked like wrong passwords, per account and per client,
 * reserve-then-judge, so simultaneous guesses cannot outrun the limits.
 *
 * Who may call what: enrolment, removal and regeneration are the account owner's (a signed-in
 * session, removal and regeneration with a recent sign-in); reset is an administrator's or the CLI's.
 */
import type { AppContext } from '../context.js';
import { actorOf, type AuditActor, type AuditLog } from '../audit/service.js';
import { AppError } from '../http/app-error.js';
import type { RateLimiter } from '../rate-limit/service.js';
import type { Reauthentication } from '../auth/reauthentication.js';
import type { ClientInfo, IssueSession, IssuedSession } from '../auth/session-issuer.js';
import { derivePurposeKey, signSessionToken, verifySessionToken } from '../auth/session-token.js';
import type { SessionTransport } from '../generated/prisma/client.js';
import type { DataAccess } from '../db/repositories.js';
import { isUuid } from '../db/uuid.js';
import type { User } from '../users/repo.js';
import { isSecondFactorRequired, mustAddSecondFactor } from './policy.js';
import { createRecoveryCodes, hashRecoveryCode } from './recovery-codes.js';
import { buildOtpauthUrl, createSecretBox, createTotpSecret, findTotpStep } from './totp.js';
import type { Webauthn } from './webauthn.js';
import type { SecondFactorChallenge, SecondFactorStatus, WebauthnOptions } from '@gatehouse/shared';

const PENDING_AUDIENCE = 'gatehouse:second-factor';

/**
 * Sets users.second_factor_enrolled from the factor rows (a confirmed app, or a passkey), with the
 * repositories of the transaction that changed them.
 */
export async function syncEnrolled(repos: Pick<DataAccess, 'users' | 'totpFactors' | 'passkeys'>, userId: string): Promise<void> {
  const [factor, passkeys] = await Promise.all([repos.totpFactors.find(userId), repos.passkeys.countOfUser(userId)]);
  await repos.users.setSecondFactorEnrolled(userId, factor?.confirmedAt != null || passkeys > 0);
}
export const PENDING_SIGN_IN_LIFETIME_MS = 5 * 60_000;
/** Wrong codes one pending sign-in accepts before the person must start again with the password. */
export const MAX_FAILURES = 5;

/** The second step's proof: a code from the app, a recovery code, or a passkey's answer. */
export type SecondFactorProof = { code: string } | { recovery_code: string } | { webauthn: object };
type ProofMethod = 'totp' | 'recovery_code' | 'webauthn';

/** What the first factor established, carried over to the session. */
export interface FirstFactor {
  transport: SessionTransport;
  /** The session's authMethod: "password" or "oidc:<provider>". */
  authMethod: string;
  client: ClientInfo;
  groups?: readonly string[];
  oidcIdToken?: string | null;
}

export interface SecondFactorDeps extends Pick<AppContext, 'config' | 'clock' | 'logger'> {
  readonly data: Pick<DataAccess, 'users' | 'sessions' | 'totpFactors' | 'recoveryCodes' | 'pendingSignIns' | 'passkeys' | 'withTransaction'>;
  readonly webauthn: Webauthn;
  readonly rateLimiter: RateLimiter;
  readonly audit: AuditLog;
  readonly reauthentication: Pick<Reauthentication, 'assertRecentlyAuthenticated'>;
  readonly issueSession: IssueSession;
}

/** A session, or the challenge of a pending sign-in whose second step makes one. */
export type FirstFactorOutcome = { issued: IssuedSession } | { challenge: SecondFactorChallenge & { token: string } };

const expired = () => new AppError('SECOND_FACTOR_EXPIRED', 'This sign-in has expired or was already used. Sign in again with your password.');
const invalidCode = () => new AppError('SECOND_FACTOR_INVALID', 'That code is not correct (or was already used). Try the current one.');

/** The 401 for a first factor that needs a second (the token only for a Bearer client). */
export function secondFactorRequired(challenge: SecondFactorChallenge): AppError {
  return new AppError('SECOND_FACTOR_REQUIRED', 'Enter the code from your authenticator app (or a recovery code) to finish signing in.', {
    secondFactor: challenge,
  });
}

export function createSecondFactorService(deps: SecondFactorDeps) {
  const { config, clock, data, rateLimiter, audit } = deps;
  const { rules } = rateLimiter;
  const box = createSecretBox(config.auth.token_secret);
  const pendingKey = derivePurposeKey(config.auth.token_secret, 'gatehouse:second-factor-key');

  function readSecret(sealed: string, userId: string): string {
    const secret = box.open(sealed);
    if (secret === null) {
      throw new AppError('SERVICE_UNAVAILABLE', 'The authenticator app of this account cannot be checked. Ask an administrator.', {
        logMessage:
          'A TOTP secret could not be decrypted: auth.token_secret changed since it was set up. Reset this ' +
          'account’s second factor (gatehouse users reset-2fa EMAIL).',
        logDetails: { userId },
        logLevel: 'error',
      });
    }
    return secret;
  }

  /** Status of the account's factors as the account page shows them. */
  async function status(user: User, session: { authMethod: string }): Promise<SecondFactorStatus> {
    const factor = await data.totpFactors.find(user.id);
    const isTotpOn = factor?.confirmedAt != null;
    return {
      totp: isTotpOn,
      passkeys: await data.passkeys.countOfUser(user.id),
      recovery_codes_left: isTotpOn ? await data.recoveryCodes.countUnused(user.id) : 0,
      required: isSecondFactorRequired(config, user),
      enrolment_required: mustAddSecondFactor(config, user, session),
    };
  }

  /** Checks a proof against the account's factors: the method that worked, or null. */
  async function checkProof(user: User, pendingSignInId: string, proof: SecondFactorProof): Promise<ProofMethod | null> {
    const now = clock.now();
    if ('code' in proof) {
      const factor = await data.totpFactors.find(user.id);
      if (!factor?.confirmedAt) return null;
      const step = findTotpStep(readSecret(factor.secretEncrypted, user.id), proof.code, now, factor.lastUsedStep);
      return step !== null && (await data.totpFactors.useStep(user.id, step)) ? 'totp' : null;
    }
    if ('webauthn' in proof) {
      try {
        await deps.webauthn.verifyAuthentication(proof.webauthn, 'second_factor', { userId: user.id, pendingSignInId });
        return 'webauthn';
      } catch (error) {
        if (error instanceof AppError && error.code === 'PASSKEY_INVALID') {
          deps.logger.warn({ userId: user.id }, error.logMessage);
          return null;
        }
        throw error;
      }
    }
    return (await data.recoveryCodes.use(user.id, hashRecoveryCode(proof.recovery_code), now)) ? 'recovery_code' : null;
  }

  /** The ways this account can give its second factor. */
  async function methodsOf(userId: string): Promise<ProofMethod[]> {
    const [factor, passkeys] = await Promise.all([data.totpFactors.find(userId), data.passkeys.countOfUser(userId)]);
    return [
      ...(factor?.confirmedAt ? (['totp', 'recovery_code'] as const) : []),
      ...(passkeys > 0 && deps.webauthn.relyingParty.disabledReason === null ? (['webauthn'] as const) : []),
    ];
  }

  /** A live pending sign-in named by `token`, of `transport`, and its account; SECOND_FACTOR_EXPIRED otherwise. */
  async function findPending(token: string, transport: SessionTransport) {
    const now = clock.now();
    const claims = verifySessionToken(token, pendingKey, now, PENDING_AUDIENCE);
    if (!claims || !isUuid(claims.sid)) throw expired();
    const pending = await data.pendingSignIns.find(claims.sid);
    if (
      !pending ||
      pending.userId !== claims.sub ||
      pending.transport !== transport ||
      pending.completedAt !== null ||
      pending.expiresAt <= now ||
      pending.failedAttempts >= MAX_FAILURES
    ) {
      throw expired();
    }
    const user = await data.users.findById(pending.userId);
    // Deactivated, or its second factor reset, since the password was checked: start again.
    if (!user || !user.isActive || !user.secondFactorEnrolled) throw expired();
    return { pending, user };
  }

  async function issueRecoveryCodes(repos: Pick<DataAccess, 'recoveryCodes'>, userId: string): Promise<string[]> {
    const codes = createRecoveryCodes();
    await repos.recoveryCodes.replaceAll(userId, codes.map(hashRecoveryCode), clock.now());
    return codes;
  }

  return {
    status,

    /**
     * After the first factor: a session, or (for an account with a second factor, where this kind
     * of sign-in asks for it) a pending sign-in and the challenge that names it.
     */
    async finishFirstFactor(user: User, first: FirstFactor, asksForSecondFactor: boolean): Promise<FirstFactorOutcome> {
      if (!asksForSecondFactor || !user.secondFactorEnrolled) {
        return { issued: await deps.issueSession(user, first.transport, first.authMethod, first.client, first.groups) };
      }
      const now = clock.now();
      const expiresAt = new Date(now.getTime() + PENDING_SIGN_IN_LIFETIME_MS);
      const pending = await data.pendingSignIns.create({
        userId: user.id,
        transport: first.transport,
        authMethod: first.authMethod,
        groups: [...(first.groups ?? [])],
        oidcIdToken: first.oidcIdToken ?? null,
        createdAt: now,
        expiresAt,
      });
      const token = signSessionToken({ sub: user.id, sid: pending.id }, pendingKey, now, expiresAt, PENDING_AUDIENCE);
      deps.logger.info({ userId: user.id, transport: first.transport }, 'First factor passed; waiting for the second');
      return { challenge: { token, methods: await methodsOf(user.id), expires_in: PENDING_SIGN_IN_LIFETIME_MS / 1000 } };
    },

    /**
     * The second step: the pending sign-in's token (from the cookie or the body, by transport)
     * and a proof. Issues the session, once.
     */
    async completeSignIn(token: string, transport: SessionTransport, proof: SecondFactorProof, client: ClientInfo): Promise<IssuedSession> {
      const now = clock.now();
      const { pending, user } = await findPending(token, transport);

      const attempt = await rateLimiter.reserve([
        [rules.secondFactorPerAccount, user.id],
        ...(client.ipAddress ? [[rules.secondFactorPerClient, client.ipAddress] as const] : []),
      ]);
      let method: ProofMethod | null;
      try {
        method = await checkProof(user, pending.id, proof);
      } catch (error) {
        await attempt.abandon();
        throw error;
      }
      if (method === null) {
        await attempt.failed();
        await data.pendingSignIns.recordFailure(pending.id);
        await audit.record({
          type: 'second_factor.failed',
          actor: actorOf(user),
          user,
          method: pending.authMethod.startsWith('oidc:') ? 'oidc' : 'password',
          ipAddress: client.ipAddress,
          details: { kind: 'code' in proof ? 'totp' : 'webauthn' in proof ? 'webauthn' : 'recovery_code' },
        });
        throw invalidCode();
      }
      if (!(await data.pendingSignIns.complete(pending.id, now, MAX_FAILURES))) {
        // Another request completed it first (or it just expired): the code is spent either way.
        await attempt.abandon();
        throw expired();
      }
      await attempt.succeeded();
      const issued = await deps.issueSession(user, transport, pending.authMethod, client, pending.groups);
      if (pending.oidcIdToken) await data.sessions.storeIdToken(issued.session.id, pending.oidcIdToken);
      const provider = pending.authMethod.startsWith('oidc:') ? pending.authMethod.slice('oidc:'.length) : null;
      if (method === 'recovery_code') {
        const left = await data.recoveryCodes.countUnused(user.id);
        await audit.record({ type: 'second_factor.recovery_code_used', actor: actorOf(user), user, ipAddress: client.ipAddress, details: { left } });
      }
      await audit.record({
        type: 'sign_in.succeeded',
        actor: actorOf(user),
        user,
        method: provider ? 'oidc' : 'password',
        ...(provider ? { provider } : {}),
        ipAddress: client.ipAddress,
        details: { transport, second_factor: method },
      });
      deps.logger.info({ userId: user.id, transport, second_factor: method }, 'User signed in with a second factor');
      return issued;
    },

    /** WebAuthn options for the second step of a browser's pending sign-in: its account's passkeys. */
    async passkeyOptionsForPending(token: string): Promise<WebauthnOptions> {
      const { pending, user } = await findPending(token, 'cookie');
      const passkeys = await data.passkeys.listOfUser(user.id);
      if (passkeys.length === 0)
        throw new AppError('PASSKEY_NOT_FOUND', 'This account has no passkey. Use the authenticator app or a recovery code.');
      return deps.webauthn.authenticationOptions('second_factor', { userId: user.id, pendingSignInId: pending.id }, passkeys);
    },

    /** Enrolment, first step: a new secret, not active until confirmed. Needs a recent sign-in. */
    async startTotp(user: User, sessionId: string): Promise<{ secret: string; otpauth_url: string }> {
      await deps.reauthentication.assertRecentlyAuthenticated(user, sessionId);
      const secret = createTotpSecret();
      if (!(await data.totpFactors.saveUnconfirmed(user.id, box.seal(secret), clock.now()))) {
        throw new AppError('TOTP_ALREADY_ENABLED', 'An authenticator app is already set up. Remove it first to set up another.');
      }
      const accountName = user.username ?? user.email;
      return { secret, otpauth_url: buildOtpauthUrl(secret, config.auth.totp_issuer, accountName) };
    },

    /**
     * Enrolment, second step: a current code from the new app turns it on. Returns the recovery
     * codes, shown once. Wrong codes are braked like sign-in codes.
     */
    async confirmTotp(user: User, code: string, client: ClientInfo): Promise<string[]> {
      const factor = await data.totpFactors.find(user.id);
      if (!factor) throw new AppError('TOTP_NOT_ENABLED', 'Start setting up an authenticator app first (POST /users/me/totp).');
      if (factor.confirmedAt) throw new AppError('TOTP_ALREADY_ENABLED', 'The authenticator app is already set up.');
      const attempt = await rateLimiter.reserve([[rules.secondFactorPerAccount, user.id]]);
      const step = findTotpStep(readSecret(factor.secretEncrypted, user.id), code, clock.now(), null);
      if (step === null) {
        await attempt.failed();
        throw invalidCode();
      }
      const codes = await data.withTransaction(async (repos) => {
        if (!(await repos.totpFactors.confirm(user.id, step, clock.now()))) {
          throw new AppError('TOTP_ALREADY_ENABLED', 'The authenticator app is already set up.');
        }
        await syncEnrolled(repos, user.id);
        return issueRecoveryCodes(repos, user.id);
      });
      await attempt.succeeded();
      await audit.record({ type: 'second_factor.enrolled', actor: actorOf(user), user, ipAddress: client.ipAddress, details: { kind: 'totp' } });
      deps.logger.info({ userId: user.id }, 'Authenticator app set up');
      return codes;
    },

    /** Removes the authenticator app and the recovery codes. Needs a recent sign-in. */
    async removeTotp(user: User, sessionId: string): Promise<void> {
      await deps.reauthentication.assertRecentlyAuthenticated(user, sessionId);
      const removed = await data.withTransaction(async (repos) => {
        const wasOn = await repos.totpFactors.remove(user.id);
        await repos.recoveryCodes.removeAll(user.id);
        await syncEnrolled(repos, user.id);
        return wasOn;
      });
      if (!removed) throw new AppError('TOTP_NOT_ENABLED', 'No authenticator app is set up.');
      await audit.record({ type: 'second_factor.removed', actor: actorOf(user), user, details: { kind: 'totp' } });
    },

    /** Ten new recovery codes; the old ones stop working. Needs a recent sign-in. */
    async regenerateRecoveryCodes(user: User, sessionId: string): Promise<string[]> {
      await deps.reauthentication.assertRecentlyAuthenticated(user, sessionId);
      const codes = await data.withTransaction(async (repos) => {
        const factor = await repos.totpFactors.find(user.id);
        if (!factor?.confirmedAt) throw new AppError('TOTP_NOT_ENABLED', 'Set up an authenticator app first.');
        return issueRecoveryCodes(repos, user.id);
      });
      await audit.record({ type: 'second_factor.recovery_codes_regenerated', actor: actorOf(user), user });
      return codes;
    },

    /** For someone who lost their phone, codes and passkeys: an administrator (or the CLI) removes every factor. */
    async reset(actor: AuditActor, user: User): Promise<void> {
      await removeFactors(user.id);
      await audit.record({ type: 'admin.second_factor_reset', actor, user });
      deps.logger.info({ userId: user.id }, 'Second factor reset');
    },

    /** Housekeeping: pending sign-ins that were completed or expired, challenges nobody answered. */
    async purgeExpired(): Promise<number> {
      return (await data.pendingSignIns.purgeDead(clock.now())).count + (await deps.webauthn.purgeExpired());
    },
  };

  /** Every factor of the account (app, recovery codes, passkeys), in one transaction, and any sign-in waiting on them. */
  async function removeFactors(userId: string): Promise<void> {
    await data.withTransaction(async (repos) => {
      await repos.totpFactors.remove(userId);
      await repos.recoveryCodes.removeAll(userId);
      await repos.passkeys.removeAllOfUser(userId);
      await repos.users.setSecondFactorEnrolled(userId, false);
      await repos.pendingSignIns.voidAllForUser(userId, clock.now());
    });
  }
}

export type SecondFactorService = ReturnType<typeof createSecondFactorService>;
