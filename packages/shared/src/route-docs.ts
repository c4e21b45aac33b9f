/**
 * The OpenAPI document's words for each route of ROUTES: summary, tag, what each answer means, the
 * query parameters and the error codes it can return. Kept apart from ROUTES so that the web
 * client's bundle (which needs only methods and paths) does not carry them. Every route must have
 * its entry: the `satisfies` below fails to compile otherwise.
 */
import type { ErrorCode } from './errors.js';
import type { RouteName } from './routes.js';
import type { SchemaName } from './schemas.js';

export interface RouteDoc {
  summary: string;
  tag: 'auth' | 'users' | 'system';
  /** What the route's main successful answer (ROUTES[name].response) means. */
  response: string;
  /** Other successful answers the route can give instead (a redirect; 204 rather than 200). */
  otherResponses?: readonly { status: number; schema?: SchemaName; description: string }[];
  /** Query parameters; `isRepeatable`: may be given several times (`?scopes=a&scopes=b`). */
  query?: readonly { name: string; description: string; isRepeatable?: true }[];
  errors: readonly ErrorCode[];
}

export const ROUTE_DOCS = {
  jwtLogin: {
    summary:
      'Sign in with email and password; returns a bearer token. An account with a second factor answers 401 ' +
      'SECOND_FACTOR_REQUIRED instead, whose `second_factor.token` POST /auth/jwt/login/second-factor completes with a code.',
    tag: 'auth',
    response: 'Signed in.',
    errors: ['LOGIN_BAD_CREDENTIALS', 'PASSWORD_LOGIN_DISABLED', 'SECOND_FACTOR_REQUIRED', 'VALIDATION_ERROR', 'RATE_LIMITED'],
  },
  jwtSecondFactor: {
    summary:
      'Second step of a Bearer sign-in that answered SECOND_FACTOR_REQUIRED: its `token` and the authenticator code ' +
      '(or a recovery code); returns the bearer token. Wrong codes are braked like wrong passwords; after five on one ' +
      'sign-in, or once it expires (5 minutes), start again with the password.',
    tag: 'auth',
    response: 'Signed in.',
    errors: ['SECOND_FACTOR_INVALID', 'SECOND_FACTOR_EXPIRED', 'VALIDATION_ERROR', 'RATE_LIMITED'],
  },
  jwtLogout: {
    summary: 'End the session of the bearer token used for this request.',
    tag: 'auth',
    response: 'Signed out.',
    errors: ['UNAUTHORIZED'],
  },
  cookieLogin: {
    summary:
      'Sign in with email and password; sets the session cookie. An account with a second factor answers 401 ' +
      'SECOND_FACTOR_REQUIRED and a short-lived HttpOnly cookie that POST /auth/cookie/login/second-factor completes.',
    tag: 'auth',
    response: 'Signed in; Set-Cookie carries the session.',
    errors: ['LOGIN_BAD_CREDENTIALS', 'PASSWORD_LOGIN_DISABLED', 'SECOND_FACTOR_REQUIRED', 'VALIDATION_ERROR', 'CSRF_FAILED', 'RATE_LIMITED'],
  },
  cookieSecondFactor: {
    summary:
      'Second step of a browser sign-in that answered SECOND_FACTOR_REQUIRED: the authenticator code, a recovery code, or a ' +
      'passkey’s answer (`webauthn`, see POST /auth/cookie/login/second-factor/options).',
    tag: 'auth',
    response: 'Signed in; Set-Cookie carries the session.',
    errors: ['SECOND_FACTOR_INVALID', 'SECOND_FACTOR_EXPIRED', 'PASSKEY_INVALID', 'VALIDATION_ERROR', 'CSRF_FAILED', 'RATE_LIMITED'],
  },
  cookieSecondFactorPasskeyOptions: {
    summary:
      'Second step of a browser sign-in with a passkey: WebAuthn options for the pending sign-in’s account (its passkeys, user ' +
      'verification required). Send the answer as `webauthn` to POST /auth/cookie/login/second-factor.',
    tag: 'auth',
    response: 'Options for startAuthentication.',
    errors: ['SECOND_FACTOR_EXPIRED', 'PASSKEYS_DISABLED', 'CSRF_FAILED', 'RATE_LIMITED'],
  },
  passkeySignInOptions: {
    summary:
      'Start a passkey sign-in without an email: WebAuthn options for a discoverable credential (user verification required), ' +
      'also for conditional UI (autofill).',
    tag: 'auth',
    response: 'Options for startAuthentication.',
    errors: ['PASSKEYS_DISABLED', 'CSRF_FAILED', 'RATE_LIMITED'],
  },
  passkeySignIn: {
    summary:
      'Sign in with a passkey (the answer to POST /auth/passkey/options); sets the session cookie. With user verification a ' +
      'passkey is two factors: no second step follows.',
    tag: 'auth',
    response: 'Signed in; Set-Cookie carries the session.',
    errors: ['PASSKEY_INVALID', 'PASSKEYS_DISABLED', 'VALIDATION_ERROR', 'CSRF_FAILED', 'RATE_LIMITED'],
  },
  cookieLogout: {
    summary: 'End the cookie session and clear the cookie.',
    tag: 'auth',
    response: 'Signed out here; the session came from an identity provider with RP-initiated logout, so open end_session_url to sign out there too.',
    otherResponses: [{ status: 204, description: 'Signed out.' }],
    errors: ['UNAUTHORIZED', 'CSRF_FAILED'],
  },
  oidcAuthorize: {
    summary:
      'Start OpenID Connect sign-in with the provider of this (case-sensitive) name: sets the short-lived transaction cookie and returns the provider URL, or redirects to it.',
    tag: 'auth',
    response: 'Open authorization_url.',
    otherResponses: [{ status: 302, description: 'redirect=true: to the provider; on a provider error, to /login?oidc_error=CODE.' }],
    query: [
      { name: 'redirect', description: '"true": answer 302 to the provider instead of JSON (for plain links).' },
      { name: 'returnTo', description: 'A path inside Gatehouse to land on after signing in; anything else means "/".' },
    ],
    errors: ['OIDC_PROVIDER_NOT_FOUND', 'OIDC_PROVIDER_UNREACHABLE', 'OIDC_ISSUER_MISMATCH'],
  },
  oauthAuthorize: {
    summary:
      'MediaManager’s single-provider form of /auth/cookie/{name}/authorize: starts sign-in with the one enabled provider, ' +
      'with the callback registered for it. With several providers enabled, use their own routes.',
    tag: 'auth',
    response: 'Open authorization_url.',
    otherResponses: [{ status: 302, description: 'redirect=true: to the provider; on a provider error, to /login?oidc_error=CODE.' }],
    query: [
      {
        name: 'scopes',
        isRepeatable: true,
        description: 'Repeatable. Narrows the provider’s configured scopes to these (plus "openid"); a scope not configured is never asked for.',
      },
      { name: 'redirect', description: '"true": answer 302 to the provider instead of JSON (for plain links).' },
      { name: 'returnTo', description: 'A path inside Gatehouse to land on after signing in; anything else means "/".' },
    ],
    errors: ['OIDC_PROVIDER_NOT_FOUND', 'OIDC_PROVIDER_REQUIRED', 'OIDC_PROVIDER_UNREACHABLE', 'OIDC_ISSUER_MISMATCH', 'VALIDATION_ERROR'],
  },
  oidcCallback: {
    summary:
      'Where the provider sends the browser back (the redirect URI to register). Signs in and redirects to returnTo, or to /login?oidc_error=CODE.',
    tag: 'auth',
    response: 'To returnTo (signed in) or /login?oidc_error=CODE.',
    errors: ['RATE_LIMITED'],
  },
  oidcOAuthCallback: {
    summary: 'The single-provider redirect URI newer MediaManager versions register (callback = "oauth"); otherwise as /auth/cookie/{name}/callback.',
    tag: 'auth',
    response: 'To returnTo (signed in) or /login?oidc_error=CODE.',
    errors: ['RATE_LIMITED'],
  },
  register: {
    summary: 'Create an account (when registration is enabled). New accounts start unverified.',
    tag: 'auth',
    response: 'Account created.',
    errors: ['REGISTRATION_DISABLED', 'REGISTER_USER_ALREADY_EXISTS', 'REGISTER_INVALID_PASSWORD', 'VALIDATION_ERROR', 'CSRF_FAILED', 'RATE_LIMITED'],
  },
  forgotPassword: {
    summary: 'Email a password-reset link (when email_password_resets is on). Always 202 with the same body, whether or not the account exists.',
    tag: 'auth',
    response: 'Accepted.',
    errors: ['VALIDATION_ERROR', 'RATE_LIMITED'],
  },
  resetPassword: {
    summary: 'Set a new password with a one-time token (setup link or reset link).',
    tag: 'auth',
    response: 'Password set; every session of the user ended.',
    errors: ['RESET_PASSWORD_BAD_TOKEN', 'RESET_PASSWORD_INVALID_PASSWORD', 'VALIDATION_ERROR', 'RATE_LIMITED'],
  },
  requestVerifyToken: {
    summary:
      'Email a link that proves the address (needs SMTP). Always 202 with the same body, whether or not the account exists or is already proven; ' +
      'an account with a pending email change gets the link at the new address.',
    tag: 'auth',
    response: 'Accepted.',
    errors: ['VALIDATION_ERROR', 'RATE_LIMITED'],
  },
  verifyEmail: {
    summary:
      "Confirm an email address with the one-time token from the link: proves the account's address, or applies its pending email change (proven). Does not sign in.",
    tag: 'auth',
    response: 'The account, its address now proven.',
    errors: ['EMAIL_VERIFY_BAD_TOKEN', 'UPDATE_USER_EMAIL_ALREADY_EXISTS', 'VALIDATION_ERROR', 'RATE_LIMITED'],
  },
  authMetadata: {
    summary: 'What the login page needs: providers, whether registration is open.',
    tag: 'auth',
    response: 'Login options.',
    errors: [],
  },
  getMe: {
    summary: 'The signed-in user.',
    tag: 'users',
    response: 'The signed-in user.',
    errors: ['UNAUTHORIZED'],
  },
  updateMe: {
    summary: 'Change own display name, email or password (the latter two need current_password).',
    tag: 'users',
    response: 'Updated user.',
    errors: [
      'UNAUTHORIZED',
      'CSRF_FAILED',
      'CURRENT_PASSWORD_REQUIRED',
      'CURRENT_PASSWORD_INVALID',
      'UPDATE_USER_EMAIL_ALREADY_EXISTS',
      'UPDATE_USER_INVALID_PASSWORD',
      'VALIDATION_ERROR',
    ],
  },
  listMySessions: {
    summary: "The signed-in user's active sessions.",
    tag: 'users',
    response: 'Active sessions.',
    errors: ['UNAUTHORIZED'],
  },
  revokeMyOtherSessions: {
    summary: 'End every session of the signed-in user except the one making this request.',
    tag: 'users',
    response: 'The other sessions are ended.',
    errors: ['UNAUTHORIZED', 'CSRF_FAILED'],
  },
  revokeMySession: {
    summary: 'End one of the signed-in user’s sessions.',
    tag: 'users',
    response: 'Session ended.',
    errors: ['UNAUTHORIZED', 'CSRF_FAILED', 'SESSION_NOT_FOUND'],
  },
  listMyLinkedAccounts: {
    summary: 'The identity-provider accounts linked to the signed-in user.',
    tag: 'users',
    response: 'Linked accounts, oldest first.',
    errors: ['UNAUTHORIZED'],
  },
  linkMyAccount: {
    summary:
      'Start linking another identity-provider account to the signed-in user: sets the transaction cookie and returns the provider URL to open. The callback then links instead of signing in. ' +
      'Needs current_password, or a sign-in or re-authentication within auth.reauthentication_window.',
    tag: 'users',
    response: 'Open authorization_url.',
    errors: [
      'UNAUTHORIZED',
      'CSRF_FAILED',
      'VALIDATION_ERROR',
      'REAUTHENTICATION_REQUIRED',
      'CURRENT_PASSWORD_INVALID',
      'RATE_LIMITED',
      'OIDC_PROVIDER_NOT_FOUND',
      'OIDC_PROVIDER_UNREACHABLE',
      'OIDC_ISSUER_MISMATCH',
    ],
  },
  unlinkMyLinkedAccount: {
    summary:
      'Unlink an identity-provider account (refused when it is the last way to sign in). Needs a sign-in or ' +
      're-authentication within auth.reauthentication_window.',
    tag: 'users',
    response: 'Unlinked.',
    errors: ['UNAUTHORIZED', 'CSRF_FAILED', 'REAUTHENTICATION_REQUIRED', 'LINKED_ACCOUNT_NOT_FOUND', 'LAST_SIGN_IN_METHOD'],
  },
  getMySecondFactor: {
    summary: 'Which second factors this account has, and whether [auth] second_factor requires one.',
    tag: 'users',
    response: 'The account’s second factors.',
    errors: ['UNAUTHORIZED'],
  },
  startTotp: {
    summary:
      'Start setting up an authenticator app: a new secret (and its otpauth:// URI for a QR code), active once ' +
      'confirmed with a code. Needs a recent sign-in.',
    tag: 'users',
    response: 'The secret, shown only now.',
    errors: ['UNAUTHORIZED', 'CSRF_FAILED', 'REAUTHENTICATION_REQUIRED', 'TOTP_ALREADY_ENABLED'],
  },
  confirmTotp: {
    summary: 'Confirm the authenticator app with a current code: it then guards every password sign-in. Returns ten recovery codes.',
    tag: 'users',
    response: 'Recovery codes, shown only now.',
    errors: ['UNAUTHORIZED', 'CSRF_FAILED', 'TOTP_NOT_ENABLED', 'TOTP_ALREADY_ENABLED', 'SECOND_FACTOR_INVALID', 'VALIDATION_ERROR', 'RATE_LIMITED'],
  },
  removeTotp: {
    summary: 'Remove the authenticator app and the recovery codes. Needs a recent sign-in.',
    tag: 'users',
    response: 'Removed.',
    errors: ['UNAUTHORIZED', 'CSRF_FAILED', 'REAUTHENTICATION_REQUIRED', 'TOTP_NOT_ENABLED'],
  },
  regenerateRecoveryCodes: {
    summary: 'Ten new recovery codes; the old ones stop working. Needs a recent sign-in.',
    tag: 'users',
    response: 'Recovery codes, shown only now.',
    errors: ['UNAUTHORIZED', 'CSRF_FAILED', 'REAUTHENTICATION_REQUIRED', 'TOTP_NOT_ENABLED'],
  },
  listMyPasskeys: {
    summary: 'This account’s passkeys: name, when added, when last used.',
    tag: 'users',
    response: 'The passkeys, oldest first.',
    errors: ['UNAUTHORIZED'],
  },
  passkeyRegistrationOptions: {
    summary: 'Start adding a passkey: WebAuthn creation options (resident key and user verification required). Needs a recent sign-in.',
    tag: 'users',
    response: 'Options for startRegistration.',
    errors: ['UNAUTHORIZED', 'CSRF_FAILED', 'REAUTHENTICATION_REQUIRED', 'PASSKEYS_DISABLED'],
  },
  addMyPasskey: {
    summary: 'Add the passkey just created (the answer to POST /users/me/passkeys/options). Needs a recent sign-in.',
    tag: 'users',
    response: 'The passkey.',
    errors: [
      'UNAUTHORIZED',
      'CSRF_FAILED',
      'REAUTHENTICATION_REQUIRED',
      'PASSKEYS_DISABLED',
      'PASSKEY_INVALID',
      'PASSKEY_ALREADY_REGISTERED',
      'VALIDATION_ERROR',
    ],
  },
  renameMyPasskey: {
    summary: 'Rename one of this account’s passkeys.',
    tag: 'users',
    response: 'The passkey.',
    errors: ['UNAUTHORIZED', 'CSRF_FAILED', 'PASSKEY_NOT_FOUND', 'VALIDATION_ERROR'],
  },
  removeMyPasskey: {
    summary: 'Remove one of this account’s passkeys. Needs a recent sign-in.',
    tag: 'users',
    response: 'Removed.',
    errors: ['UNAUTHORIZED', 'CSRF_FAILED', 'REAUTHENTICATION_REQUIRED', 'PASSKEY_NOT_FOUND'],
  },
  listMyApiKeys: {
    summary: 'This account’s API keys: name, scope, prefix, created, expiry, last use. Never the keys themselves.',
    tag: 'users',
    response: 'The keys, newest first (revoked ones are not listed).',
    errors: ['UNAUTHORIZED'],
  },
  createMyApiKey: {
    summary:
      'Create an API key for a script or an app: shown once, in this answer. Send it as `Authorization: Bearer gh_…`. ' +
      'Needs an interactive sign-in (no key can make keys).',
    tag: 'users',
    response: 'The key, shown only now.',
    errors: ['UNAUTHORIZED', 'FORBIDDEN', 'CSRF_FAILED', 'VALIDATION_ERROR'],
  },
  renameMyApiKey: {
    summary: 'Rename one of this account’s API keys.',
    tag: 'users',
    response: 'The key’s new description.',
    errors: ['UNAUTHORIZED', 'CSRF_FAILED', 'API_KEY_NOT_FOUND', 'VALIDATION_ERROR'],
  },
  revokeMyApiKey: {
    summary: 'Revoke one of this account’s API keys: it stops working here immediately, on other replicas within auth.session_cache_seconds.',
    tag: 'users',
    response: 'Revoked.',
    errors: ['UNAUTHORIZED', 'CSRF_FAILED', 'API_KEY_NOT_FOUND'],
  },
  reauthenticateMe: {
    summary:
      'Prove the owner of this session again, before linking, unlinking or an email change: with the current ' +
      'password (answers at once), or by a fresh sign-in at a provider linked to this account (prompt=login, ' +
      'max_age=0; the callback marks the session).',
    tag: 'users',
    response: 'authorization_url: null when the password did it; otherwise open it.',
    errors: [
      'UNAUTHORIZED',
      'CSRF_FAILED',
      'VALIDATION_ERROR',
      'CURRENT_PASSWORD_INVALID',
      'RATE_LIMITED',
      'LINKED_ACCOUNT_NOT_FOUND',
      'OIDC_PROVIDER_NOT_FOUND',
      'OIDC_PROVIDER_UNREACHABLE',
    ],
  },
  listUsers: {
    summary: 'All users (admin).',
    tag: 'users',
    response: 'Users, oldest first.',
    errors: ['UNAUTHORIZED', 'FORBIDDEN'],
  },
  searchUsers: {
    summary: 'Search users, one page at a time (admin).',
    tag: 'users',
    response: 'One page of matching users, oldest first.',
    query: [
      { name: 'q', description: 'Text that the email, username or display name contains (any case); empty for all.' },
      { name: 'page', description: 'Page number, from 1 (default 1).' },
      { name: 'per_page', description: 'Users per page, 1 to 100 (default 25).' },
    ],
    errors: ['UNAUTHORIZED', 'FORBIDDEN', 'VALIDATION_ERROR'],
  },
  createUser: {
    summary: 'Create a user (admin).',
    tag: 'users',
    response: 'User created.',
    errors: ['UNAUTHORIZED', 'FORBIDDEN', 'CSRF_FAILED', 'REGISTER_USER_ALREADY_EXISTS', 'REGISTER_INVALID_PASSWORD', 'VALIDATION_ERROR'],
  },
  sendPasswordReset: {
    summary: 'Send the user a password-reset link (admin). Without SMTP, or when sending fails, the link is returned to hand over instead.',
    tag: 'users',
    response: 'Link issued.',
    errors: ['UNAUTHORIZED', 'FORBIDDEN', 'CSRF_FAILED', 'USER_NOT_FOUND'],
  },
  unlockUser: {
    summary: 'Lift the sign-in lock and delays that failed password attempts put on this account (admin). A successful sign-in lifts them too.',
    tag: 'users',
    response: 'Unlocked (also when nothing was locked).',
    errors: ['UNAUTHORIZED', 'FORBIDDEN', 'CSRF_FAILED', 'USER_NOT_FOUND'],
  },
  getUser: {
    summary: 'One user (admin).',
    tag: 'users',
    response: 'The user.',
    errors: ['UNAUTHORIZED', 'FORBIDDEN', 'USER_NOT_FOUND'],
  },
  updateUser: {
    summary: 'Activate, verify, promote, demote or edit a user (admin).',
    tag: 'users',
    response: 'Updated user.',
    errors: [
      'UNAUTHORIZED',
      'FORBIDDEN',
      'CSRF_FAILED',
      'USER_NOT_FOUND',
      'LAST_ADMIN',
      'CANNOT_MODIFY_SELF',
      'UPDATE_USER_EMAIL_ALREADY_EXISTS',
      'UPDATE_USER_INVALID_PASSWORD',
      'VALIDATION_ERROR',
    ],
  },
  deleteUser: {
    summary: 'Delete a user (admin).',
    tag: 'users',
    response: 'User deleted.',
    errors: ['UNAUTHORIZED', 'FORBIDDEN', 'CSRF_FAILED', 'USER_NOT_FOUND', 'LAST_ADMIN', 'CANNOT_MODIFY_SELF'],
  },
  listUserApiKeys: {
    summary: 'A user’s API keys (admin): names, scopes, last use.',
    tag: 'users',
    response: 'The keys, newest first.',
    errors: ['UNAUTHORIZED', 'FORBIDDEN', 'USER_NOT_FOUND'],
  },
  revokeApiKey: {
    summary: 'Revoke anyone’s API key (admin).',
    tag: 'users',
    response: 'Revoked.',
    errors: ['UNAUTHORIZED', 'FORBIDDEN', 'CSRF_FAILED', 'API_KEY_NOT_FOUND'],
  },
  resetUserSecondFactor: {
    summary:
      'Remove a user’s second factors (authenticator app, recovery codes and passkeys), for someone who lost them (admin). ' +
      'Their next sign-in needs only the password; where [auth] second_factor requires one, they set up a new one first.',
    tag: 'users',
    response: 'Reset (also when there was nothing to reset).',
    errors: ['UNAUTHORIZED', 'FORBIDDEN', 'CSRF_FAILED', 'USER_NOT_FOUND'],
  },
  listAuditEvents: {
    summary: 'The audit trail, newest first, filtered and paged (admin).',
    tag: 'users',
    response: 'One page of events.',
    query: [
      { name: 'user', description: 'Only events by or about this user id.' },
      { name: 'type', description: 'Only events of this type (e.g. sign_in.failed).' },
      { name: 'before', description: 'Cursor: only events older than this id (next_before of the previous page).' },
      { name: 'limit', description: 'Page size, 1 to 200 (default 50).' },
    ],
    errors: ['UNAUTHORIZED', 'FORBIDDEN', 'VALIDATION_ERROR'],
  },
  forwardAuth: {
    summary:
      "Traefik ForwardAuth: is the request's user signed in (and allowed on the X-Forwarded-Host)? Answers only requests from server.trusted_proxies.",
    tag: 'auth',
    response:
      'Allowed; Remote-User, Remote-Email, Remote-Email-Verified, Remote-Name and Remote-Groups name the user (an unproven address is never sent).',
    otherResponses: [
      {
        status: 302,
        description:
          'A browser that is not signed in: to the sign-in page, which sends it back afterwards. A browser whose account awaits approval: to the web UI, which shows the pending page.',
      },
    ],
    query: [
      { name: 'admin', description: '"true": only administrators pass.' },
      { name: 'group', description: 'Comma-separated groups; only members of one of them pass.' },
    ],
    errors: ['UNAUTHORIZED', 'FORBIDDEN', 'ACCOUNT_PENDING_APPROVAL', 'FORWARD_AUTH_HOST_NOT_ALLOWED', 'VALIDATION_ERROR'],
  },
  forwardAuthReturn: {
    summary: 'After sign-in, back to the protected page ForwardAuth sent the browser from.',
    tag: 'auth',
    response: 'To rd.',
    query: [{ name: 'rd', description: 'The original URL; its host must be in auth.forward_auth.allowed_hosts.' }],
    errors: ['FORWARD_AUTH_HOST_NOT_ALLOWED'],
  },
  health: {
    summary: 'Liveness: the process answers (and whether the database is reachable).',
    tag: 'system',
    response: 'Healthy (503 with the same body when the database is not).',
    errors: [],
  },
  healthLive: {
    summary: 'Liveness only: the process answers. Never looks at the database, so an outage cannot get a replica restarted.',
    tag: 'system',
    response: 'Alive.',
    errors: [],
  },
  healthReady: {
    summary: 'Readiness: the database is reachable and every migration is applied.',
    tag: 'system',
    response: 'Ready (503 with the same body when not).',
    errors: [],
  },
  openapi: {
    summary: 'This API as an OpenAPI 3.1 document.',
    tag: 'system',
    response: 'OpenAPI 3.1 document.',
    errors: [],
  },
} as const satisfies Record<RouteName, RouteDoc>;
