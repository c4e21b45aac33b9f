/**
 * API keys: for scripts and apps, instead of a person's password.
 *
 * Who may call what: a signed-in person (interactive: never with a key, and not while awaiting
 * approval) makes, lists, renames and revokes their own keys; an `admin` key only for an
 * administrator. Administrators list anyone's keys and revoke any of them; so does the CLI.
 *
 * A key counts only while it is not revoked, not expired, its owner is active, and (scope admin)
 * its owner is still an administrator. Checks are cached like session checks (the same
 * auth.session_cache_seconds bound across replicas, and emptied by any write in this process).
 */
import { API_KEY_PREFIX, type ApiKeyRead, type ApiKeyScope, type CreateApiKeyRequest, type CreatedApiKey } from '@gatehouse/shared';
import type { AppContext } from '../context.js';
import { actorOf, type AuditActor, type AuditLog } from '../audit/service.js';
import { createLookupCache } from '../auth/session-cache.js';
import type { DataAccess } from '../db/repositories.js';
import { isUuid } from '../db/uuid.js';
import type { ApiKey } from '../generated/prisma/client.js';
import { AppError } from '../http/app-error.js';
import type { RateLimiter } from '../rate-limit/service.js';
import { mustAddSecondFactor } from '../second-factor/policy.js';
import type { User } from '../users/repo.js';
import type { ApiKeyWithUser } from './repo.js';
import { createApiKey, displayPrefix, isSecretOf, parseApiKey } from './key.js';

const DAY_MS = 86_400_000;
const DEFAULT_LIFETIME_DAYS = 90;
/** Record a key's last use at most this often, so the hot path stays read-only. */
const LAST_USED_RESOLUTION_MS = 60_000;
/** An expired key's refusal is audited once per key per this long, not on every request. */
const EXPIRY_AUDIT_INTERVAL_MS = 3_600_000;

export interface KeyAuthenticated {
  user: User;
  apiKey: { id: string; scope: ApiKeyScope; keyId: string };
  mustAddSecondFactor: boolean;
}

export function toApiKeyRead(key: ApiKey): ApiKeyRead {
  return {
    id: key.id,
    name: key.name,
    scope: key.scope,
    prefix: displayPrefix(key.keyId),
    created_at: key.createdAt.toISOString(),
    expires_at: key.expiresAt?.toISOString() ?? null,
    last_used_at: key.lastUsedAt?.toISOString() ?? null,
    last_used_ip: key.lastUsedIp,
  };
}

export interface ApiKeyServiceDeps extends Pick<AppContext, 'config' | 'clock' | 'logger'> {
  readonly data: Pick<DataAccess, 'apiKeys' | 'users'>;
  readonly rateLimiter: RateLimiter;
  readonly audit: AuditLog;
}

const notFound = () => new AppError('API_KEY_NOT_FOUND', 'No such API key.');

export function createApiKeyService(deps: ApiKeyServiceDeps) {
  const { config, clock, data, rateLimiter, audit } = deps;
  const cache = createLookupCache<ApiKeyWithUser | null>(config.auth.session_cache_seconds * 1000);
  const expiryAudited = new Map<string, number>();

  /** Whether the key counts now (not revoked or expired, its owner active and, for admin, still an administrator). */
  function isUsable(found: ApiKeyWithUser, now: Date): boolean {
    if (found.revokedAt !== null || (found.expiresAt !== null && found.expiresAt <= now)) return false;
    if (!found.user.isActive) return false;
    return found.scope !== 'admin' || found.user.isSuperuser;
  }

  function noteExpired(found: ApiKeyWithUser, now: Date, ipAddress: string | null): void {
    if (found.expiresAt === null || found.expiresAt > now || found.revokedAt !== null) return;
    const last = expiryAudited.get(found.id);
    if (last !== undefined && now.getTime() - last < EXPIRY_AUDIT_INTERVAL_MS) return;
    // Bounded like the lookup cache: past it, an expired key may be audited once more.
    if (expiryAudited.size >= 10_000) expiryAudited.clear();
    expiryAudited.set(found.id, now.getTime());
    void audit.record({
      type: 'api_key.expired_refused',
      actor: { type: 'system' },
      user: found.user,
      ipAddress,
      details: { prefix: displayPrefix(found.keyId), name: found.name },
    });
  }

  /** The owner; null for a real key that no longer counts; 'wrong' for a key that was never one (braked). */
  function accept(
    found: ApiKeyWithUser | null,
    secret: string,
    now: Date,
    ipAddress: string | null,
    isFromCache: boolean,
  ): KeyAuthenticated | null | 'wrong' {
    if (!found || !isSecretOf(secret, found.secretHash)) return 'wrong';
    if (!isUsable(found, now)) {
      noteExpired(found, now, ipAddress);
      return null;
    }
    if (!isFromCache && (found.lastUsedAt === null || now.getTime() - found.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS)) {
      found.lastUsedAt = now;
      data.apiKeys.touch(found.id, now, ipAddress).catch((error: unknown) => deps.logger.warn({ err: error }, 'Could not record an API key’s use'));
    }
    const { user } = found;
    return {
      user,
      apiKey: { id: found.id, scope: found.scope, keyId: found.keyId },
      mustAddSecondFactor: mustAddSecondFactor(config, user, { authMethod: 'api_key' }),
    };
  }

  return {
    /**
     * The key's owner, or null: a malformed key before any database work; a revoked or expired
     * one, or its owner's deactivation or demotion; an unknown or wrong key too, braked per client
     * like wrong passwords (429 once locked). A key
     * this process checked within auth.session_cache_seconds answers without a promise.
     */
    authenticate(token: string, ipAddress: string | null): KeyAuthenticated | null | Promise<KeyAuthenticated | null> {
      const parsed = parseApiKey(token);
      if (!parsed) return null;
      const now = clock.now();
      const nowMs = now.getTime();
      const cached = cache.find(parsed.keyId, nowMs);
      if (cached !== undefined) {
        const result = accept(cached, parsed.secret, now, ipAddress, true);
        if (result !== 'wrong') return result;
      }
      return (async () => {
        const subject = ipAddress ?? '';
        await rateLimiter.assertAllowed(rateLimiter.rules.apiKeyPerClient, subject);
        const readGeneration = cache.currentGeneration();
        const found = await data.apiKeys.findWithUser(parsed.keyId);
        cache.store(parsed.keyId, found, nowMs, readGeneration);
        const result = accept(found, parsed.secret, now, ipAddress, false);
        if (result !== 'wrong') return result;
        await rateLimiter.recordFailure(rateLimiter.rules.apiKeyPerClient, subject);
        return null;
      })();
    },

    forgetCached(): void {
      cache.invalidateAll();
    },

    list: async (userId: string): Promise<ApiKeyRead[]> => (await data.apiKeys.listLiveOfUser(userId)).map(toApiKeyRead),

    /** Makes a key; the only time the key itself exists outside its maker's hands. */
    async create(user: User, input: CreateApiKeyRequest, ipAddress: string | null, actor: AuditActor = actorOf(user)): Promise<CreatedApiKey> {
      if (input.scope === 'admin' && !user.isSuperuser) {
        throw new AppError('FORBIDDEN', 'Only administrators can make admin keys.');
      }
      const days = input.expires_in_days === undefined ? DEFAULT_LIFETIME_DAYS : input.expires_in_days;
      if (days === null && !config.auth.api_keys_allow_no_expiry) {
        throw new AppError(
          'VALIDATION_ERROR',
          'expires_in_days: give a number of days (1 to 365); keys that never expire are turned off here ([auth] api_keys_allow_no_expiry).',
          {
            fieldErrors: [{ field: 'expires_in_days', message: 'must be a number of days from 1 to 365' }],
          },
        );
      }
      const now = clock.now();
      const { key, keyId, secretHash } = createApiKey();
      const row = await data.apiKeys.create({
        userId: user.id,
        name: input.name.trim() || 'API key',
        scope: input.scope,
        keyId,
        secretHash,
        createdAt: now,
        expiresAt: days === null ? null : new Date(now.getTime() + days * DAY_MS),
      });
      await audit.record({
        type: 'api_key.created',
        actor,
        user,
        ipAddress,
        details: { prefix: displayPrefix(keyId), name: row.name, scope: row.scope, expires_at: row.expiresAt?.toISOString() ?? null },
      });
      deps.logger.info({ userId: user.id, prefix: displayPrefix(keyId) }, 'API key created');
      return { key, api_key: toApiKeyRead(row) };
    },

    async rename(user: User, id: string, name: string): Promise<ApiKeyRead> {
      const renamed = isUuid(id) ? await data.apiKeys.rename(id, user.id, name.trim()) : null;
      if (!renamed) throw notFound();
      return toApiKeyRead(renamed);
    },

    /** Revokes a key: the owner's own (ownerId), or anyone's (an administrator, the CLI). */
    async revoke(actor: AuditActor, id: string, ownerId?: string): Promise<void> {
      const revoked = isUuid(id) ? await data.apiKeys.revoke(id, clock.now(), ownerId) : null;
      if (!revoked) throw notFound();
      cache.invalidateAll();
      const owner = await data.users.findById(revoked.userId);
      await audit.record({
        type: 'api_key.revoked',
        actor,
        user: owner ?? { id: revoked.userId, email: null },
        details: { prefix: displayPrefix(revoked.keyId), name: revoked.name },
      });
    },

    /** Finds a live key by its id or its prefix (gh_<key id>), for the CLI. */
    async findForCli(idOrPrefix: string): Promise<ApiKey> {
      const keyId = idOrPrefix.startsWith(API_KEY_PREFIX) ? idOrPrefix.slice(API_KEY_PREFIX.length) : null;
      const found = keyId !== null ? await data.apiKeys.findWithUser(keyId) : isUuid(idOrPrefix) ? await data.apiKeys.findById(idOrPrefix) : null;
      if (!found || found.revokedAt !== null) throw notFound();
      return found;
    },
  };
}

export type ApiKeyService = ReturnType<typeof createApiKeyService>;
