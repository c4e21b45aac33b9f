import {
  describePasswordProblem,
  type AdminCreateUserRequest,
  type AdminUpdateUserRequest,
  type ErrorCode,
  type UpdateMeRequest,
} from '@gatehouse/shared';
import type { AppContext } from '../context.js';
import { AppError } from '../http/app-error.js';
import { findPasswordProblem } from '../auth/password-policy.js';
import type { SessionRepo } from '../auth/repo.js';
import type { Reauthentication } from '../auth/reauthentication.js';
import type { PasswordTokenService } from '../password-reset/service.js';
import type { EmailProofService } from '../password-reset/email-proof.js';
import type { RateLimiter } from '../rate-limit/service.js';
import { normalizeEmail, normalizeNewEmail, rethrowIfAccountExists } from './email.js';
import { isUuid } from '../db/uuid.js';
import { isRecordNotFound, isUniqueViolationOn } from '../db/prisma-errors.js';
import type { WithTransaction } from '../db/repositories.js';
import type { User, UserRepo } from './repo.js';
import type { Prisma } from '../generated/prisma/client.js';
import { actorOf, type AuditActor, type AuditLog } from '../audit/service.js';

export interface UserSearchQuery {
  text: string;
  /** From 1. */
  page: number;
  perPage: number;
}

export interface UserServiceDeps extends Pick<AppContext, 'config' | 'clock' | 'logger' | 'passwordHasher' | 'mailer'> {
  readonly users: UserRepo;
  readonly sessions: SessionRepo;
  readonly withTransaction: WithTransaction;
  readonly tokens: Pick<PasswordTokenService, 'prepare'>;
  readonly emailProof: Pick<EmailProofService, 'startEmailChange'>;
  readonly audit: AuditLog;
  readonly rateLimiter: RateLimiter;
  readonly reauthentication: Pick<Reauthentication, 'checkRecentProviderSignIn' | 'verifyCurrentPassword'>;
}

export function createUserService(deps: UserServiceDeps) {
  const { users, sessions, tokens, emailProof, audit, rateLimiter, reauthentication } = deps;

  async function hashNewPassword(password: string, email: string, code: ErrorCode): Promise<string> {
    const problem = findPasswordProblem(password, email);
    if (problem) throw new AppError(code, describePasswordProblem(problem));
    return deps.passwordHasher.hash(password);
  }

  async function findUserOrThrow(id: string): Promise<User> {
    // A malformed id cannot name a user; anything else (a database outage) must surface as such.
    const user = isUuid(id) ? await users.findById(id) : null;
    if (!user) throw new AppError('USER_NOT_FOUND', 'No user with this id.');
    return user;
  }

  function rethrowEmailTaken(error: unknown): never {
    if (isUniqueViolationOn(error, 'users_email_key')) {
      throw new AppError('UPDATE_USER_EMAIL_ALREADY_EXISTS', 'Another account already uses this email.');
    }
    throw error;
  }

  return {
    /** Admin unlock: clears the account's failed-sign-in counter (its delays and lock). */
    async unlock(actor: AuditActor, id: string): Promise<void> {
      const user = await findUserOrThrow(id);
      await rateLimiter.reset(rateLimiter.rules.loginPerAccount, user.email);
      deps.logger.info({ userId: user.id }, 'Admin unlocked sign-in for a user');
      await audit.record({ type: 'admin.user_unlocked', actor, user });
    },

    /**
     * Own profile. Email and password changes need the current password (a borrowed session
     * must not be able to take the account over); a password change ends every other session
     * and voids outstanding reset links.
     *
     * Every email change drops the proof of the address. With SMTP configured the change waits in
     * pending_email until a link sent to the new address is opened (the current address is told);
     * without SMTP it applies at once, unproven. Either way every one-time link of the account dies
     * in the same transaction. Sending the current address again cancels a pending change.
     */
    async updateMe(user: User, currentSessionId: string | null, input: UpdateMeRequest): Promise<User> {
      // fastapi-users clients send {} for "nothing to change": the account as it is, nothing written.
      if (Object.values(input).every((value) => value === undefined)) return user;
      const data: Prisma.UserUpdateInput = {};
      const now = deps.clock.now();
      // An account without a password changes its email on a recent sign-in at one of its providers
      // instead (auth/reauthentication.ts; throws REAUTHENTICATION_REQUIRED when that sign-in is old).
      const isProvenByRecentSignIn =
        input.password === undefined &&
        input.current_password === undefined &&
        input.email !== undefined &&
        currentSessionId !== null &&
        (await reauthentication.checkRecentProviderSignIn(user, currentSessionId));
      if ((input.email !== undefined || input.password !== undefined) && !isProvenByRecentSignIn) {
        if (input.current_password === undefined) {
          throw new AppError('CURRENT_PASSWORD_REQUIRED', 'Enter your current password to change your email or password.');
        }
        await reauthentication.verifyCurrentPassword(user, input.current_password);
      }
      const newEmail = input.email !== undefined ? normalizeNewEmail(input.email) : null;
      const isEmailChange = newEmail !== null && newEmail !== user.email;
      const isPendingChange = isEmailChange && deps.mailer !== null;
      const isCancellingChange = newEmail !== null && !isEmailChange && user.pendingEmail !== null;
      if (isEmailChange && (await users.findByEmail(newEmail))) {
        throw new AppError('UPDATE_USER_EMAIL_ALREADY_EXISTS', 'Another account already uses this email.');
      }
      if (isEmailChange && !isPendingChange) {
        data.email = newEmail;
        data.emailVerifiedAt = null;
        data.pendingEmail = null;
      }
      if (isCancellingChange) data.pendingEmail = null;
      if (input.display_name !== undefined) data.displayName = input.display_name;
      if (input.password !== undefined) {
        const email = newEmail ?? user.email;
        data.hashedPassword = await hashNewPassword(input.password, email, 'UPDATE_USER_INVALID_PASSWORD');
        data.passwordChangedAt = now;
      }
      const isVoidingLinks = input.password !== undefined || (isEmailChange && !isPendingChange) || isCancellingChange;
      let updated = await deps
        .withTransaction(async (tx) => {
          const result = await tx.users.update(user.id, data);
          if (isVoidingLinks) await tx.passwordTokens.voidAllForUser(user.id, now);
          return result;
        })
        .catch(rethrowEmailTaken);
      if (input.password !== undefined) {
        await sessions.revokeAllForUser(user.id, now, currentSessionId ?? undefined);
        deps.logger.info({ userId: user.id }, 'User changed their password; other sessions ended');
        await audit.record({ type: 'password.changed', actor: actorOf(user), user: updated });
      }
      if (isPendingChange) updated = await emailProof.startEmailChange(updated, newEmail);
      if (isCancellingChange) deps.logger.info({ userId: user.id }, 'User cancelled their pending email change');
      if (updated.email !== user.email) {
        await audit.record({
          type: 'email.changed',
          actor: actorOf(updated),
          user: updated,
          details: { from: user.email, to: updated.email },
        });
      }
      return updated;
    },

    listSessions: (userId: string) => sessions.listLive(userId, deps.clock.now()),

    async revokeSession(user: User, sessionId: string): Promise<void> {
      const isRevoked = isUuid(sessionId) && (await sessions.revokeOne(sessionId, user.id, deps.clock.now()));
      if (!isRevoked) throw new AppError('SESSION_NOT_FOUND', 'No such active session.');
      await audit.record({ type: 'session.revoked', actor: actorOf(user), user, details: { session_id: sessionId } });
    },

    /** Admin (or CLI): ends every session of the user. */
    async revokeAllSessions(actor: AuditActor, id: string): Promise<number> {
      const target = await findUserOrThrow(id);
      const { count } = await sessions.revokeAllForUser(target.id, deps.clock.now());
      await audit.record({ type: 'admin.sessions_revoked', actor, user: target, details: { sessions: count } });
      return count;
    },

    async getByEmail(email: string): Promise<User> {
      const user = await users.findByEmail(normalizeEmail(email));
      if (!user) throw new AppError('USER_NOT_FOUND', 'No user with this email.');
      return user;
    },

    /** Ends every other live session of the user; returns how many. */
    /** Every session of the user but `currentSessionId` (all of them, for an API key's call). */
    async revokeOtherSessions(userId: string, currentSessionId: string | undefined): Promise<number> {
      const { count } = await sessions.revokeAllForUser(userId, deps.clock.now(), currentSessionId);
      deps.logger.info({ userId, revoked: count }, 'User signed out their other sessions');
      return count;
    },

    listAll: () => users.listAll(),
    search: (query: UserSearchQuery) => users.search(query.text, (query.page - 1) * query.perPage, query.perPage),
    getById: findUserOrThrow,

    async create(actor: AuditActor, input: AdminCreateUserRequest): Promise<{ user: User; setupUrl: string | null }> {
      const email = normalizeNewEmail(input.email);
      const hashedPassword = input.password !== undefined ? await hashNewPassword(input.password, email, 'REGISTER_INVALID_PASSWORD') : null;
      // Without a password the account gets a setup link, written in the same transaction as the
      // user: a crash cannot leave an account nobody can ever sign in to.
      const setup = hashedPassword === null ? tokens.prepare('setup', deps.config.auth.setup_link_lifetime, email) : null;
      const user = await deps
        .withTransaction(async (tx) => {
          const created = await tx.users.create({
            email,
            hashedPassword,
            displayName: input.display_name ?? null,
            isActive: input.is_active ?? true,
            isSuperuser: input.is_superuser ?? false,
            isVerified: input.is_verified ?? true,
            // An address set by an administrator (admin API, CLI) counts as proven.
            emailVerifiedAt: deps.clock.now(),
            passwordChangedAt: hashedPassword ? deps.clock.now() : null,
          });
          if (setup) await tx.passwordTokens.create({ ...setup.row, userId: created.id });
          return created;
        })
        .catch(rethrowIfAccountExists);
      const setupUrl = setup?.url ?? null;
      deps.logger.info({ userId: user.id, isSuperuser: user.isSuperuser }, 'Admin created a user');
      await audit.record({
        type: 'admin.user_created',
        actor,
        user,
        details: {
          is_superuser: user.isSuperuser,
          is_active: user.isActive,
          is_verified: user.isVerified,
          setup_link_issued: setupUrl !== null,
        },
      });
      return { user, setupUrl };
    },

    /**
     * Admin edit. An admin cannot demote or deactivate themselves, and nobody can remove the
     * last active admin; the check and the write share one locked transaction.
     */
    async update(actor: AuditActor, id: string, input: AdminUpdateUserRequest): Promise<User> {
      const target = await findUserOrThrow(id);
      const isSelf = actor.type === 'user' && actor.id === target.id;
      if (isSelf && (input.is_superuser === false || input.is_active === false)) {
        throw new AppError('CANNOT_MODIFY_SELF', 'You cannot demote or deactivate your own account. Ask another administrator.');
      }
      const now = deps.clock.now();
      const data: Prisma.UserUpdateInput = {};
      const email = input.email !== undefined ? normalizeNewEmail(input.email) : target.email;
      const isEmailChange = email !== target.email;
      // An address set by an administrator (admin API, CLI) counts as proven; it replaces any
      // pending self-service change.
      if (input.email !== undefined) {
        data.email = email;
        data.emailVerifiedAt = isEmailChange || target.emailVerifiedAt === null ? now : target.emailVerifiedAt;
        data.pendingEmail = null;
      }
      if (input.display_name !== undefined) data.displayName = input.display_name;
      if (input.is_active !== undefined) data.isActive = input.is_active;
      if (input.is_verified !== undefined) data.isVerified = input.is_verified;
      if (input.is_superuser !== undefined) data.isSuperuser = input.is_superuser;
      if (input.password !== undefined) {
        data.hashedPassword = await hashNewPassword(input.password, email, 'UPDATE_USER_INVALID_PASSWORD');
        data.passwordChangedAt = now;
      }
      const isRemovingAdmin = target.isSuperuser && target.isActive && (input.is_superuser === false || input.is_active === false);
      const updated = await deps
        .withTransaction(async (tx) => {
          await tx.users.lockAdmins();
          if (isRemovingAdmin && (await tx.users.countActiveAdmins()) <= 1) {
            throw new AppError('LAST_ADMIN', 'This is the last active administrator; promote someone else first.');
          }
          const result = await tx.users.update(id, data);
          if (input.password !== undefined || input.is_active === false) {
            await tx.sessions.revokeAllForUser(id, now);
          }
          // One-time links die with the facts they were issued for: the password, the address
          // (or a pending change it replaces), an active account.
          const isPendingReplaced = input.email !== undefined && target.pendingEmail !== null;
          if (input.password !== undefined || isEmailChange || isPendingReplaced || input.is_active === false) {
            await tx.passwordTokens.voidAllForUser(id, now);
          }
          return result;
        })
        .catch(rethrowEmailTaken);
      deps.logger.info({ actor: actor.type === 'user' ? actor.id : actor.type, userId: id, changes: Object.keys(input) }, 'Admin updated a user');
      await audit.record({ type: 'admin.user_updated', actor, user: updated, details: describeChanges(target, input) });
      return updated;
    },

    async delete(actor: AuditActor, id: string): Promise<void> {
      if (actor.type === 'user' && actor.id === id) {
        throw new AppError('CANNOT_MODIFY_SELF', 'You cannot delete your own account. Ask another administrator.');
      }
      const target = await findUserOrThrow(id);
      await deps.withTransaction(async (tx) => {
        await tx.users.lockAdmins();
        if (target.isSuperuser && target.isActive && (await tx.users.countActiveAdmins()) <= 1) {
          throw new AppError('LAST_ADMIN', 'This is the last active administrator; promote someone else first.');
        }
        await tx.users.delete(id).catch((error: unknown) => {
          if (isRecordNotFound(error)) throw new AppError('USER_NOT_FOUND', 'No user with this id.');
          throw error;
        });
      });
      deps.logger.info({ actor: actor.type === 'user' ? actor.id : actor.type, userId: id }, 'Admin deleted a user');
      await audit.record({ type: 'admin.user_deleted', actor, user: target });
    },
  };
}

export type UserService = ReturnType<typeof createUserService>;

/** What an admin edit changed, for the audit trail: new values, and the names of all fields set. */
function describeChanges(before: User, input: AdminUpdateUserRequest): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  if (input.email !== undefined) changes['email'] = { from: before.email, to: normalizeEmail(input.email) };
  if (input.display_name !== undefined) changes['display_name'] = input.display_name;
  if (input.is_active !== undefined) changes['is_active'] = input.is_active;
  if (input.is_verified !== undefined) changes['is_verified'] = input.is_verified;
  if (input.is_superuser !== undefined) changes['is_superuser'] = input.is_superuser;
  // Field names only for the password: its value never reaches the trail.
  return { ...changes, fields: Object.keys(input) };
}
