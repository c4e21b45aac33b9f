import type { SessionWithUser } from './session-cache.js';

/**
 * Whether a session row can still act for `userId`: it is theirs, not revoked, not expired, and
 * the account is active. Every path that trusts a session (a token, a flow a session started)
 * asks this; some ask more (the transport, idleness).
 */
export function isLiveSessionOf(session: SessionWithUser | null, userId: string, now: Date): session is SessionWithUser {
  return session !== null && session.userId === userId && session.revokedAt === null && session.expiresAt > now && session.user.isActive;
}
