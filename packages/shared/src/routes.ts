/**
 * The REST API's routes: the one table the API mounts from, the OpenAPI document is built from and
 * the web client calls. Paths use Express syntax (`:id`); OpenAPI gets `{id}`.
 */
import type { ErrorCode } from './errors.js';
import type { SchemaName } from './schemas.js';

export const API_PREFIX = '/api/v1';

/** HttpOnly session cookie (the JWT). */
export const SESSION_COOKIE = 'gatehouse_session';
/** Readable cookie carrying the CSRF token the SPA echoes back in CSRF_HEADER. */
export const CSRF_COOKIE = 'gatehouse_csrf';
export const CSRF_HEADER = 'x-csrf-token';

/** GET /users paging: the page size when none is asked for, and the largest allowed. */
export const USER_PAGE_SIZE_DEFAULT = 25;
export const USER_PAGE_SIZE_MAX = 100;
/** The longest search text GET /users accepts. */
export const USER_SEARCH_MAX_LENGTH = 200;

export type HttpMethod = 'get' | 'post' | 'patch' | 'delete';
export type RouteAuth = 'none' | 'user' | 'admin';

export interface RouteSpec {
  method: HttpMethod;
  /** Path below API_PREFIX, Express syntax. */
  path: string;
  summary: string;
  tag: 'auth' | 'users' | 'system';
  auth: RouteAuth;
  request?: { schema: SchemaName; contentTypes: readonly string[] };
  response: { status: number; schema?: SchemaName; description: string };
  /** Other successful answers the route can give instead (a redirect; 204 rather than 200). */
  otherResponses?: readonly { status: number; schema?: SchemaName; description: string }[];
  /** Query parameters, for the OpenAPI document. */
  query?: readonly { name: string; description: string }[];
  errors: readonly ErrorCode[];
}

const JSON_ONLY = ['application/json'] as const;
const FORM_OR_JSON = ['application/x-www-form-urlencoded', 'application/json'] as const;

export const ROUTES = {
  jwtLogin: {
    method: 'post',
    path: '/auth/jwt/login',
    summary: 'Sign in with email and password; returns a bearer token.',
    tag: 'auth',
    auth: 'none',
    request: { schema: 'LoginRequest', contentTypes: FORM_OR_JSON },
    response: { status: 200, schema: 'TokenResponse', description: 'Signed in.' },
    errors: ['LOGIN_BAD_CREDENTIALS', 'PASSWORD_LOGIN_DISABLED', 'VALIDATION_ERROR', 'RATE_LIMITED'],
  },
  jwtLogout: {
    method: 'post',
    path: '/auth/jwt/logout',
    summary: 'End the session of the bearer token used for this request.',
    tag: 'auth',
    auth: 'user',
    response: { status: 204, description: 'Signed out.' },
    errors: ['UNAUTHORIZED'],
  },
  cookieLogin: {
    method: 'post',
    path: '/auth/cookie/login',
    summary: 'Sign in with email and password; sets the session cookie.',
    tag: 'auth',
    auth: 'none',
    request: { schema: 'LoginRequest', contentTypes: FORM_OR_JSON },
    response: { status: 204, description: 'Signed in; Set-Cookie carries the session.' },
    errors: ['LOGIN_BAD_CREDENTIALS', 'PASSWORD_LOGIN_DISABLED', 'VALIDATION_ERROR', 'CSRF_FAILED', 'RATE_LIMITED'],
  },
  cookieLogout: {
    method: 'post',
    path: '/auth/cookie/logout',
    summary: 'End the cookie session and clear the cookie.',
    tag: 'auth',
    auth: 'user',
    response: {
      status: 200,
      schema: 'LogoutResponse',
      description:
        'Signed out here; the session came from an identity provider with RP-initiated logout, so ' +
        'open end_session_url to sign out there too.',
    },
    otherResponses: [{ status: 204, description: 'Signed out.' }],
    errors: ['UNAUTHORIZED', 'CSRF_FAILED'],
  },
  oidcAuthorize: {
    method: 'get',
    path: '/auth/cookie/:name/authorize',
    summary:
      'Start OpenID Connect sign-in with the provider of this (case-sensitive) name: sets the ' +
      'short-lived transaction cookie and returns the provider URL, or redirects to it.',
    tag: 'auth',
    auth: 'none',
    query: [
      { name: 'redirect', description: '"true": answer 302 to the provider instead of JSON (for plain links).' },
      { name: 'returnTo', description: 'A path inside Gatehouse to land on after signing in; anything else means "/".' },
    ],
    response: { status: 200, schema: 'OidcAuthorizeResponse', description: 'Open authorization_url.' },
    otherResponses: [
      {
        status: 302,
        description: 'redirect=true: to the provider; on a provider error, to /login?oidc_error=CODE.',
      },
    ],
    errors: ['OIDC_PROVIDER_NOT_FOUND', 'OIDC_PROVIDER_UNREACHABLE', 'OIDC_ISSUER_MISMATCH'],
  },
  oidcCallback: {
    method: 'get',
    path: '/auth/cookie/:name/callback',
    summary:
      'Where the provider sends the browser back (the redirect URI to register). Signs in and ' +
      'redirects to returnTo, or to /login?oidc_error=CODE.',
    tag: 'auth',
    auth: 'none',
    response: { status: 302, description: 'To returnTo (signed in) or /login?oidc_error=CODE.' },
    errors: ['RATE_LIMITED'],
  },
  oidcOAuthCallback: {
    method: 'get',
    path: '/auth/oauth/callback',
    summary:
      'The single-provider redirect URI newer MediaManager versions register (callback = "oauth"); ' +
      'otherwise as /auth/cookie/{name}/callback.',
    tag: 'auth',
    auth: 'none',
    response: { status: 302, description: 'To returnTo (signed in) or /login?oidc_error=CODE.' },
    errors: ['RATE_LIMITED'],
  },
  register: {
    method: 'post',
    path: '/auth/register',
    summary: 'Create an account (when registration is enabled). New accounts start unverified.',
    tag: 'auth',
    auth: 'none',
    request: { schema: 'RegisterRequest', contentTypes: JSON_ONLY },
    response: { status: 201, schema: 'UserRead', description: 'Account created.' },
    errors: [
      'REGISTRATION_DISABLED',
      'REGISTER_USER_ALREADY_EXISTS',
      'REGISTER_INVALID_PASSWORD',
      'VALIDATION_ERROR',
      'CSRF_FAILED',
      'RATE_LIMITED',
    ],
  },
  forgotPassword: {
    method: 'post',
    path: '/auth/forgot-password',
    summary:
      'Email a password-reset link (when email_password_resets is on). Always 202 with the same body, ' +
      'whether or not the account exists.',
    tag: 'auth',
    auth: 'none',
    request: { schema: 'ForgotPasswordRequest', contentTypes: JSON_ONLY },
    response: { status: 202, schema: 'ForgotPasswordResponse', description: 'Accepted.' },
    errors: ['VALIDATION_ERROR', 'RATE_LIMITED'],
  },
  resetPassword: {
    method: 'post',
    path: '/auth/reset-password',
    summary: 'Set a new password with a one-time token (setup link or reset link).',
    tag: 'auth',
    auth: 'none',
    request: { schema: 'ResetPasswordRequest', contentTypes: JSON_ONLY },
    response: { status: 204, description: 'Password set; every session of the user ended.' },
    errors: ['RESET_PASSWORD_BAD_TOKEN', 'RESET_PASSWORD_INVALID_PASSWORD', 'VALIDATION_ERROR', 'RATE_LIMITED'],
  },
  authMetadata: {
    method: 'get',
    path: '/auth/metadata',
    summary: 'What the login page needs: providers, whether registration is open.',
    tag: 'auth',
    auth: 'none',
    response: { status: 200, schema: 'AuthMetadata', description: 'Login options.' },
    errors: [],
  },
  getMe: {
    method: 'get',
    path: '/users/me',
    summary: 'The signed-in user.',
    tag: 'users',
    auth: 'user',
    response: { status: 200, schema: 'UserRead', description: 'The signed-in user.' },
    errors: ['UNAUTHORIZED'],
  },
  updateMe: {
    method: 'patch',
    path: '/users/me',
    summary: 'Change own display name, email or password (the latter two need current_password).',
    tag: 'users',
    auth: 'user',
    request: { schema: 'UpdateMeRequest', contentTypes: JSON_ONLY },
    response: { status: 200, schema: 'UserRead', description: 'Updated user.' },
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
    method: 'get',
    path: '/users/me/sessions',
    summary: "The signed-in user's active sessions.",
    tag: 'users',
    auth: 'user',
    response: { status: 200, schema: 'SessionList', description: 'Active sessions.' },
    errors: ['UNAUTHORIZED'],
  },
  revokeMyOtherSessions: {
    method: 'delete',
    path: '/users/me/sessions',
    summary: 'End every session of the signed-in user except the one making this request.',
    tag: 'users',
    auth: 'user',
    response: { status: 200, schema: 'RevokedSessions', description: 'The other sessions are ended.' },
    errors: ['UNAUTHORIZED', 'CSRF_FAILED'],
  },
  revokeMySession: {
    method: 'delete',
    path: '/users/me/sessions/:id',
    summary: 'End one of the signed-in user’s sessions.',
    tag: 'users',
    auth: 'user',
    response: { status: 204, description: 'Session ended.' },
    errors: ['UNAUTHORIZED', 'CSRF_FAILED', 'SESSION_NOT_FOUND'],
  },
  listMyLinkedAccounts: {
    method: 'get',
    path: '/users/me/linked-accounts',
    summary: 'The identity-provider accounts linked to the signed-in user.',
    tag: 'users',
    auth: 'user',
    response: { status: 200, schema: 'LinkedAccountList', description: 'Linked accounts, oldest first.' },
    errors: ['UNAUTHORIZED'],
  },
  linkMyAccount: {
    method: 'post',
    path: '/users/me/linked-accounts',
    summary:
      'Start linking another identity-provider account to the signed-in user: sets the transaction ' +
      'cookie and returns the provider URL to open. The callback then links instead of signing in.',
    tag: 'users',
    auth: 'user',
    request: { schema: 'LinkAccountRequest', contentTypes: JSON_ONLY },
    response: { status: 200, schema: 'OidcAuthorizeResponse', description: 'Open authorization_url.' },
    errors: [
      'UNAUTHORIZED',
      'CSRF_FAILED',
      'VALIDATION_ERROR',
      'OIDC_PROVIDER_NOT_FOUND',
      'OIDC_PROVIDER_UNREACHABLE',
      'OIDC_ISSUER_MISMATCH',
    ],
  },
  unlinkMyLinkedAccount: {
    method: 'delete',
    path: '/users/me/linked-accounts/:id',
    summary: 'Unlink an identity-provider account (refused when it is the last way to sign in).',
    tag: 'users',
    auth: 'user',
    response: { status: 204, description: 'Unlinked.' },
    errors: ['UNAUTHORIZED', 'CSRF_FAILED', 'LINKED_ACCOUNT_NOT_FOUND', 'LAST_SIGN_IN_METHOD'],
  },
  listUsers: {
    method: 'get',
    path: '/users/all',
    summary: 'All users (admin).',
    tag: 'users',
    auth: 'admin',
    response: { status: 200, schema: 'UserList', description: 'Users, oldest first.' },
    errors: ['UNAUTHORIZED', 'FORBIDDEN'],
  },
  searchUsers: {
    method: 'get',
    path: '/users',
    summary: 'Search users, one page at a time (admin).',
    tag: 'users',
    auth: 'admin',
    query: [
      { name: 'q', description: 'Text that the email, username or display name contains (any case); empty for all.' },
      { name: 'page', description: 'Page number, from 1 (default 1).' },
      { name: 'per_page', description: `Users per page, 1 to ${USER_PAGE_SIZE_MAX} (default ${USER_PAGE_SIZE_DEFAULT}).` },
    ],
    response: { status: 200, schema: 'UserPage', description: 'One page of matching users, oldest first.' },
    errors: ['UNAUTHORIZED', 'FORBIDDEN', 'VALIDATION_ERROR'],
  },
  createUser: {
    method: 'post',
    path: '/users',
    summary: 'Create a user (admin).',
    tag: 'users',
    auth: 'admin',
    request: { schema: 'AdminCreateUserRequest', contentTypes: JSON_ONLY },
    response: { status: 201, schema: 'AdminCreateUserResponse', description: 'User created.' },
    errors: [
      'UNAUTHORIZED',
      'FORBIDDEN',
      'CSRF_FAILED',
      'REGISTER_USER_ALREADY_EXISTS',
      'REGISTER_INVALID_PASSWORD',
      'VALIDATION_ERROR',
    ],
  },
  sendPasswordReset: {
    method: 'post',
    path: '/users/:id/password-reset',
    summary:
      'Send the user a password-reset link (admin). Without SMTP, or when sending fails, the link ' +
      'is returned to hand over instead.',
    tag: 'users',
    auth: 'admin',
    response: { status: 200, schema: 'AdminPasswordResetResponse', description: 'Link issued.' },
    errors: ['UNAUTHORIZED', 'FORBIDDEN', 'CSRF_FAILED', 'USER_NOT_FOUND'],
  },
  unlockUser: {
    method: 'post',
    path: '/users/:id/unlock',
    summary:
      'Lift the sign-in lock and delays that failed password attempts put on this account (admin). ' +
      'A successful sign-in lifts them too.',
    tag: 'users',
    auth: 'admin',
    response: { status: 204, description: 'Unlocked (also when nothing was locked).' },
    errors: ['UNAUTHORIZED', 'FORBIDDEN', 'CSRF_FAILED', 'USER_NOT_FOUND'],
  },
  getUser: {
    method: 'get',
    path: '/users/:id',
    summary: 'One user (admin).',
    tag: 'users',
    auth: 'admin',
    response: { status: 200, schema: 'UserRead', description: 'The user.' },
    errors: ['UNAUTHORIZED', 'FORBIDDEN', 'USER_NOT_FOUND'],
  },
  updateUser: {
    method: 'patch',
    path: '/users/:id',
    summary: 'Activate, verify, promote, demote or edit a user (admin).',
    tag: 'users',
    auth: 'admin',
    request: { schema: 'AdminUpdateUserRequest', contentTypes: JSON_ONLY },
    response: { status: 200, schema: 'UserRead', description: 'Updated user.' },
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
    method: 'delete',
    path: '/users/:id',
    summary: 'Delete a user (admin).',
    tag: 'users',
    auth: 'admin',
    response: { status: 204, description: 'User deleted.' },
    errors: ['UNAUTHORIZED', 'FORBIDDEN', 'CSRF_FAILED', 'USER_NOT_FOUND', 'LAST_ADMIN', 'CANNOT_MODIFY_SELF'],
  },
  listAuditEvents: {
    method: 'get',
    path: '/audit',
    summary: 'The audit trail, newest first, filtered and paged (admin).',
    tag: 'users',
    auth: 'admin',
    query: [
      { name: 'user', description: 'Only events by or about this user id.' },
      { name: 'type', description: 'Only events of this type (e.g. sign_in.failed).' },
      { name: 'before', description: 'Cursor: only events older than this id (next_before of the previous page).' },
      { name: 'limit', description: 'Page size, 1 to 200 (default 50).' },
    ],
    response: { status: 200, schema: 'AuditEventPage', description: 'One page of events.' },
    errors: ['UNAUTHORIZED', 'FORBIDDEN', 'VALIDATION_ERROR'],
  },
  forwardAuth: {
    method: 'get',
    path: '/auth/forward',
    summary:
      "Traefik ForwardAuth: is the request's user signed in (and allowed on the X-Forwarded-Host)? " +
      'Answers only requests from server.trusted_proxies.',
    tag: 'auth',
    auth: 'none',
    query: [
      { name: 'admin', description: '"true": only administrators pass.' },
      { name: 'group', description: 'Comma-separated groups; only members of one of them pass.' },
    ],
    response: {
      status: 200,
      description: 'Allowed; Remote-User, Remote-Email, Remote-Name and Remote-Groups name the user.',
    },
    otherResponses: [
      { status: 302, description: 'A browser that is not signed in: to the sign-in page, which sends it back afterwards.' },
    ],
    errors: ['UNAUTHORIZED', 'FORBIDDEN', 'FORWARD_AUTH_HOST_NOT_ALLOWED', 'VALIDATION_ERROR'],
  },
  forwardAuthReturn: {
    method: 'get',
    path: '/auth/forward/return',
    summary: 'After sign-in, back to the protected page ForwardAuth sent the browser from.',
    tag: 'auth',
    auth: 'none',
    query: [{ name: 'rd', description: 'The original URL; its host must be in auth.forward_auth.allowed_hosts.' }],
    response: { status: 302, description: 'To rd.' },
    errors: ['FORWARD_AUTH_HOST_NOT_ALLOWED'],
  },
  health: {
    method: 'get',
    path: '/health',
    summary: 'Liveness: the process answers (and whether the database is reachable).',
    tag: 'system',
    auth: 'none',
    response: { status: 200, schema: 'Health', description: 'Healthy (503 with the same body when the database is not).' },
    errors: [],
  },
  healthReady: {
    method: 'get',
    path: '/health/ready',
    summary: 'Readiness: the database is reachable and every migration is applied.',
    tag: 'system',
    auth: 'none',
    response: { status: 200, schema: 'Readiness', description: 'Ready (503 with the same body when not).' },
    errors: [],
  },
  openapi: {
    method: 'get',
    path: '/openapi.json',
    summary: 'This API as an OpenAPI 3.1 document.',
    tag: 'system',
    auth: 'none',
    response: { status: 200, description: 'OpenAPI 3.1 document.' },
    errors: [],
  },
} as const satisfies Record<string, RouteSpec>;

export type RouteName = keyof typeof ROUTES;

/** Fills `:param` placeholders: apiPath('getUser', { id }) -> "/api/v1/users/<id>". */
export function apiPath(name: RouteName, params: Record<string, string> = {}): string {
  const path = ROUTES[name].path.replace(/:([A-Za-z_]+)/g, (_, key: string) => {
    const value = params[key];
    if (value === undefined) throw new Error(`apiPath(${name}): missing parameter ${key}`);
    return encodeURIComponent(value);
  });
  return API_PREFIX + path;
}
