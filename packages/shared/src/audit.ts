/**
 * The audit trail's vocabulary, shared by the API (which writes and filters events) and the web
 * UI (which labels them).
 */
export const AUDIT_EVENT_TYPES = [
  'sign_in.succeeded',
  'sign_in.failed',
  'sign_out',
  'password.changed',
  'password.reset',
  'email.changed',
  'email.change_requested',
  'email.verified',
  'account.registered',
  'account.linked',
  'account.unlinked',
  'session.revoked',
  'session.reauthenticated',
  'session.reauthentication_failed',
  'second_factor.enrolled',
  'second_factor.removed',
  'second_factor.failed',
  'second_factor.recovery_code_used',
  'second_factor.recovery_codes_regenerated',
  'api_key.created',
  'api_key.revoked',
  'api_key.expired_refused',
  'admin.user_created',
  'admin.user_updated',
  'admin.user_deleted',
  'admin.reset_link_issued',
  'admin.sessions_revoked',
  'admin.user_unlocked',
  'admin.second_factor_reset',
] as const;

export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

/** Who did it: a signed-in user, the `gatehouse` CLI, Gatehouse itself, or nobody signed in. */
export const AUDIT_ACTOR_TYPES = ['user', 'cli', 'system', 'anonymous'] as const;
export type AuditActorType = (typeof AUDIT_ACTOR_TYPES)[number];

/** Page size of GET /audit: default and maximum (`limit`). */
export const AUDIT_PAGE_SIZE = 50;
export const AUDIT_MAX_PAGE_SIZE = 200;
