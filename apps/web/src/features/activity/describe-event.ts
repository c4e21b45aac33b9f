/** Plain-language lines for audit events, and the filters of the Activity page. */
import { AUDIT_EVENT_TYPES, type AuditEvent, type AuditEventType } from '@gatehouse/shared';

export const EVENT_LABELS: Record<AuditEventType, string> = {
  'sign_in.succeeded': 'Signed in',
  'sign_in.failed': 'Sign-in failed',
  sign_out: 'Signed out',
  'password.changed': 'Changed password',
  'password.reset': 'Set password with a one-time link',
  'email.changed': 'Changed email',
  'email.change_requested': 'Asked to change email',
  'email.verified': 'Confirmed email',
  'account.registered': 'Registered',
  'account.linked': 'Linked an identity provider',
  'account.unlinked': 'Unlinked an identity provider',
  'session.revoked': 'Ended a session',
  'session.reauthenticated': 'Confirmed it is them',
  'session.reauthentication_failed': 'Gave a wrong current password',
  'second_factor.enrolled': 'Added a second factor',
  'second_factor.removed': 'Removed a second factor',
  'second_factor.failed': 'Failed the second step of signing in',
  'second_factor.recovery_code_used': 'Signed in with a recovery code',
  'second_factor.recovery_codes_regenerated': 'Made new recovery codes',
  'api_key.created': 'Made an API key',
  'api_key.revoked': 'Revoked an API key',
  'api_key.expired_refused': 'An expired API key was refused',
  'admin.user_created': 'Created account',
  'admin.user_updated': 'Changed account',
  'admin.user_deleted': 'Deleted account',
  'admin.reset_link_issued': 'Issued a password link',
  'admin.sessions_revoked': 'Ended all sessions',
  'admin.user_unlocked': 'Unlocked sign-in',
  'admin.second_factor_reset': 'Reset the second factor',
};

export const EVENT_TYPE_OPTIONS = AUDIT_EVENT_TYPES.map((type) => ({ value: type, label: EVENT_LABELS[type] }));

/** Who did it, in words. */
export function describeActor(event: AuditEvent): string {
  switch (event.actor_type) {
    case 'user':
      return event.actor_email ?? event.actor_id ?? 'a user';
    case 'cli':
      return 'gatehouse CLI';
    case 'system':
      return 'Gatehouse';
    case 'anonymous':
      return 'someone not signed in';
  }
}

function describeValue(value: unknown): string {
  if (typeof value === 'object' && value !== null && 'from' in value && 'to' in value) {
    return `${String((value as { from: unknown }).from)} → ${String((value as { to: unknown }).to)}`;
  }
  return Array.isArray(value) ? value.join(', ') : String(value);
}

/** "Sign-in failed (password, reason: wrong_password)", "Changed account (is_superuser: true)". */
export function describeEvent(event: AuditEvent): string {
  const parts: string[] = [];
  if (event.method) parts.push(event.provider ? `${event.method} via ${event.provider}` : event.method);
  else if (event.provider) parts.push(event.provider);
  for (const [key, value] of Object.entries(event.details)) {
    if (key === 'fields') continue;
    parts.push(`${key.replaceAll('_', ' ')}: ${describeValue(value)}`);
  }
  const label = EVENT_LABELS[event.type] ?? event.type;
  return parts.length > 0 ? `${label} (${parts.join(', ')})` : label;
}

export interface ActivityFilters {
  user: string;
  type: string;
}

/** The GET /audit query for a page: the filters plus the cursor of the page before. */
export function buildAuditQuery(filters: ActivityFilters, before: string | null): Record<string, string> {
  return { user: filters.user.trim(), type: filters.type, before: before ?? '' };
}
