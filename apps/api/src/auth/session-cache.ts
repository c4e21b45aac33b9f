import type { User } from '../users/repo.js';
import type { Session } from './repo.js';

export type SessionWithUser = Session & { user: User };

/** Enough for every live session of a large home server; past it the cache starts over. */
const MAX_ENTRIES = 10_000;

/**
 * Sessions (or API keys: api-keys/service.ts) this process has checked against the database in the
 * last `ttlMs`, so a burst of authenticated reads costs one lookup, not one per request (see
 * auth.session_cache_seconds).
 *
 * Revocation: invalidateAll() empties it whenever this process handles a request that may have
 * changed a session or a user (auth-guard.ts), so those take effect here at once. A lookup that
 * was already on its way when that happened is not stored (the generation moved on). Changes made
 * by another process reach this one within `ttlMs`. 0 turns the cache off.
 */
export function createLookupCache<T>(ttlMs: number) {
  let generation = 0;
  const entries = new Map<string, { found: T; storedAtMs: number; generation: number }>();
  return {
    /** Pass the value taken before a database lookup to store() after it. */
    currentGeneration: () => generation,

    find(key: string, nowMs: number): T | undefined {
      const entry = entries.get(key);
      if (!entry) return undefined;
      const ageMs = nowMs - entry.storedAtMs;
      if (entry.generation !== generation || ageMs >= ttlMs || ageMs < 0) {
        entries.delete(key);
        return undefined;
      }
      return entry.found;
    },

    store(key: string, found: T, nowMs: number, readGeneration: number): void {
      if (ttlMs <= 0 || readGeneration !== generation) return;
      if (entries.size >= MAX_ENTRIES) entries.clear();
      entries.set(key, { found, storedAtMs: nowMs, generation });
    },

    invalidateAll(): void {
      generation += 1;
      entries.clear();
    },
  };
}

export const createSessionCache = (ttlMs: number) => createLookupCache<SessionWithUser>(ttlMs);
