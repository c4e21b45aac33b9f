import type { ApiKeyRead } from '@gatehouse/shared';

export function formatKeyDate(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** When and from where a key was last used: "never" until it has been. */
export function describeLastUse(key: Pick<ApiKeyRead, 'last_used_at' | 'last_used_ip'>): string {
  if (key.last_used_at === null) return 'never';
  return key.last_used_ip ? `${formatKeyDate(key.last_used_at)} from ${key.last_used_ip}` : formatKeyDate(key.last_used_at);
}

/** "Never expires", "Expires …" or "Expired …" (an expired key is kept in the list until revoked). */
export function describeExpiry(expiresAt: string | null, now: number = Date.now()): string {
  if (expiresAt === null) return 'Never expires';
  return `${Date.parse(expiresAt) <= now ? 'Expired' : 'Expires'} ${formatKeyDate(expiresAt)}`;
}

export const SCOPE_LABELS: Record<ApiKeyRead['scope'], string> = {
  read: 'Read',
  write: 'Write',
  admin: 'Admin',
};
