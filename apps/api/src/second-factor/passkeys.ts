/**
 * Passkeys on an account, and signing in with one.
 *
 * Who may call what: listing and renaming are the signed-in owner's; adding and removing need a
 * recent sign-in too (auth.reauthentication_window), as other changes to how an account is
 * entered do; a session that must add a second factor first may add one. Signing in with a
 * passkey is anyone's whose browser holds one: the passkey is the credential, and with user
 * verification it is two factors, so no second step follows. Its account must be active.
 */
import type { PasskeyRead, WebauthnOptions } from '@gatehouse/shared';
import type { AppContext } from '../context.js';
import { ANONYMOUS_ACTOR, actorOf, type AuditLog } from '../audit/service.js';
import type { Reauthentication } from '../auth/reauthentication.js';
import type { ClientInfo, IssueSession, IssuedSession } from '../auth/session-issuer.js';
import type { DataAccess } from '../db/repositories.js';
import { isUniqueViolationOn } from '../db/prisma-errors.js';
import { isUuid } from '../db/uuid.js';
import type { Passkey } from '../generated/prisma/client.js';
import { AppError } from '../http/app-error.js';
import type { RateLimiter } from '../rate-limit/service.js';
import type { User } from '../users/repo.js';
import { syncEnrolled } from './service.js';
import type { Webauthn } from './webauthn.js';

export function toPasskeyRead(passkey: Passkey): PasskeyRead {
  return {
    id: passkey.id,
    name: passkey.name,
    created_at: passkey.createdAt.toISOString(),
    last_used_at: passkey.lastUsedAt?.toISOString() ?? null,
    backed_up: passkey.backedUp,
  };
}

export interface PasskeyServiceDeps extends Pick<AppContext, 'config' | 'clock' | 'logger'> {
  readonly data: Pick<DataAccess, 'users' | 'passkeys' | 'totpFactors' | 'withTransaction'>;
  readonly webauthn: Webauthn;
  readonly rateLimiter: RateLimiter;
  readonly audit: AuditLog;
  readonly reauthentication: Pick<Reauthentication, 'assertRecentlyAuthenticated'>;
  readonly issueSession: IssueSession;
}

const notFound = () => new AppError('PASSKEY_NOT_FOUND', 'No such passkey on this account.');

export function createPasskeyService(deps: PasskeyServiceDeps) {
  const { data, webauthn, rateLimiter, audit } = deps;
  const { rules } = rateLimiter;

  return {
    list: async (user: User): Promise<PasskeyRead[]> => (await data.passkeys.listOfUser(user.id)).map(toPasskeyRead),

    async registrationOptions(user: User, sessionId: string): Promise<WebauthnOptions> {
      webauthn.assertEnabled();
      await deps.reauthentication.assertRecentlyAuthenticated(user, sessionId);
      return webauthn.registrationOptions(user, await data.passkeys.listOfUser(user.id));
    },

    async add(user: User, sessionId: string, name: string, response: object, client: ClientInfo): Promise<PasskeyRead> {
      webauthn.assertEnabled();
      await deps.reauthentication.assertRecentlyAuthenticated(user, sessionId);
      const verified = await webauthn.verifyRegistration(user, response);
      let passkey: Passkey;
      try {
        passkey = await data.withTransaction(async (repos) => {
          const created = await repos.passkeys.create({ userId: user.id, name: name.trim() || 'Passkey', ...verified, createdAt: deps.clock.now() });
          await syncEnrolled(repos, user.id);
          return created;
        });
      } catch (error) {
        if (isUniqueViolationOn(error, 'passkeys_credential_id_key')) {
          throw new AppError('PASSKEY_ALREADY_REGISTERED', 'This passkey is already registered.');
        }
        throw error;
      }
      await audit.record({
        type: 'second_factor.enrolled',
        actor: actorOf(user),
        user,
        ipAddress: client.ipAddress,
        details: { kind: 'passkey', name: passkey.name },
      });
      deps.logger.info({ userId: user.id, passkeyId: passkey.id }, 'Passkey added');
      return toPasskeyRead(passkey);
    },

    async rename(user: User, id: string, name: string): Promise<PasskeyRead> {
      const renamed = isUuid(id) ? await data.passkeys.rename(id, user.id, name.trim()) : null;
      if (!renamed) throw notFound();
      return toPasskeyRead(renamed);
    },

    async remove(user: User, sessionId: string, id: string): Promise<void> {
      if (!isUuid(id)) throw notFound();
      await deps.reauthentication.assertRecentlyAuthenticated(user, sessionId);
      const removed = await data.withTransaction(async (repos) => {
        if (!(await repos.passkeys.remove(id, user.id))) return false;
        await syncEnrolled(repos, user.id);
        return true;
      });
      if (!removed) throw notFound();
      await audit.record({ type: 'second_factor.removed', actor: actorOf(user), user, details: { kind: 'passkey' } });
    },

    /** Options for a sign-in without an email. Every call stores a challenge: so many per client per hour. */
    async signInOptions(client: ClientInfo): Promise<WebauthnOptions> {
      webauthn.assertEnabled();
      await rateLimiter.consume(rules.passkeyOptionsPerClient, client.ipAddress ?? 'unknown');
      return webauthn.authenticationOptions('sign_in', {});
    },

    /** A passkey sign-in: braked per client like failed passwords. */
    async signIn(response: object, client: ClientInfo): Promise<IssuedSession> {
      webauthn.assertEnabled();
      const attempt = await rateLimiter.reserve([[rules.loginPerClient, client.ipAddress ?? '']]);
      const refuse = async (reason: string, error: AppError): Promise<never> => {
        await attempt.failed();
        await audit.record({ type: 'sign_in.failed', actor: ANONYMOUS_ACTOR, method: 'passkey', ipAddress: client.ipAddress, details: { reason } });
        throw error;
      };
      let passkey: Passkey;
      try {
        passkey = await webauthn.verifyAuthentication(response, 'sign_in', {});
      } catch (error) {
        if (error instanceof AppError && error.code === 'PASSKEY_INVALID') return refuse('passkey_invalid', error);
        await attempt.abandon();
        throw error;
      }
      const user = await data.users.findById(passkey.userId);
      if (!user || !user.isActive) {
        return refuse('account_disabled', new AppError('PASSKEY_INVALID', 'This passkey could not be verified. Try again, or sign in another way.'));
      }
      await attempt.succeeded();
      const issued = await deps.issueSession(user, 'cookie', 'passkey', client);
      await audit.record({
        type: 'sign_in.succeeded',
        actor: actorOf(user),
        user,
        method: 'passkey',
        ipAddress: client.ipAddress,
        details: { transport: 'cookie' },
      });
      deps.logger.info({ userId: user.id }, 'User signed in with a passkey');
      return issued;
    },
  };
}

export type PasskeyService = ReturnType<typeof createPasskeyService>;
