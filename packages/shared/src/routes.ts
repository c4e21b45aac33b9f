/**
 * The REST API's routes: the one table the API mounts from, the OpenAPI document is built from and
 * the web client calls. Paths use Express syntax (`:id`); OpenAPI gets `{id}`. What only the
 * OpenAPI document needs (summaries, descriptions, error codes) is in route-docs.ts, so the web
 * client's bundle does not carry it.
 */
import type { QueryName } from './queries.js';
import type { SchemaName } from './schemas.js';

export const API_PREFIX = '/api/v1';

/** HttpOnly session cookie (the JWT). */
export const SESSION_COOKIE = 'gatehouse_session';
/** Readable cookie carrying the CSRF token the SPA echoes back in CSRF_HEADER. */
export const CSRF_COOKIE = 'gatehouse_csrf';
/** ForwardAuth's own credential (Domain = auth.cookie_domain): valid only for GET /auth/forward. */
export const FORWARD_COOKIE = 'gatehouse_forward';
export const CSRF_HEADER = 'x-csrf-token';
/** HttpOnly, 5 minutes: a browser's sign-in that waits for its second factor (POST /auth/cookie/login/second-factor). */
export const SECOND_FACTOR_COOKIE = 'gatehouse_2fa';

/** GET /users paging: the page size when none is asked for, and the largest allowed. */
export const USER_PAGE_SIZE_DEFAULT = 25;
export const USER_PAGE_SIZE_MAX = 100;
/** The longest search text GET /users accepts. */
export const USER_SEARCH_MAX_LENGTH = 200;

export type HttpMethod = 'get' | 'post' | 'patch' | 'delete';
export type RouteAuth = 'none' | 'user' | 'admin';
/** What an API key may do: GET routes; what its owner may do (but the interactive-only routes); that and the admin routes. */
export type ApiKeyScope = 'read' | 'write' | 'admin';
export const API_KEY_SCOPES = ['read', 'write', 'admin'] as const satisfies readonly ApiKeyScope[];
/** Every API key starts so (secret scanners can find leaked ones): gh_<key id>_<secret>. */
export const API_KEY_PREFIX = 'gh_';

export interface RouteSpec {
  method: HttpMethod;
  /** Path below API_PREFIX, Express syntax. */
  path: string;
  auth: RouteAuth;
  /** An account awaiting approval may call this route (all other user routes refuse it). */
  allowPending?: true;
  /**
   * A session that must add a second factor first ([auth] second_factor) may call this route;
   * all other user routes refuse it with SECOND_FACTOR_ENROLMENT_REQUIRED.
   */
  allowEnrolment?: true;
  /**
   * The least scope an API key needs here; absent: no API key is accepted (an interactive sign-in
   * is: managing keys, second factors and passkeys, linking providers, re-authenticating, signing out).
   */
  apiKey?: ApiKeyScope;
  request?: { schema: SchemaName; contentTypes: readonly string[] };
  /** The query parameters it reads, checked like a body (queries.ts). */
  query?: QueryName;
  response: { status: number; schema?: SchemaName };
}

const JSON_ONLY = ['application/json'] as const;
const FORM_OR_JSON = ['application/x-www-form-urlencoded', 'application/json'] as const;

export const ROUTES = {
  jwtLogin: {
    method: 'post',
    path: '/auth/jwt/login',
    auth: 'none',
    request: { schema: 'LoginRequest', contentTypes: FORM_OR_JSON },
    response: { status: 200, schema: 'TokenResponse' },
  },
  jwtLogout: {
    method: 'post',
    path: '/auth/jwt/logout',
    auth: 'user',
    allowEnrolment: true,
    allowPending: true,
    response: { status: 204 },
  },
  jwtSecondFactor: {
    method: 'post',
    path: '/auth/jwt/login/second-factor',
    auth: 'none',
    request: { schema: 'SecondFactorLoginRequest', contentTypes: JSON_ONLY },
    response: { status: 200, schema: 'TokenResponse' },
  },
  cookieLogin: {
    method: 'post',
    path: '/auth/cookie/login',
    auth: 'none',
    request: { schema: 'LoginRequest', contentTypes: FORM_OR_JSON },
    response: { status: 204 },
  },
  cookieSecondFactor: {
    method: 'post',
    path: '/auth/cookie/login/second-factor',
    auth: 'none',
    request: { schema: 'SecondFactorLoginRequest', contentTypes: JSON_ONLY },
    response: { status: 204 },
  },
  cookieSecondFactorPasskeyOptions: {
    method: 'post',
    path: '/auth/cookie/login/second-factor/options',
    auth: 'none',
    response: { status: 200, schema: 'WebauthnOptions' },
  },
  passkeySignInOptions: {
    method: 'post',
    path: '/auth/passkey/options',
    auth: 'none',
    response: { status: 200, schema: 'WebauthnOptions' },
  },
  passkeySignIn: {
    method: 'post',
    path: '/auth/passkey/login',
    auth: 'none',
    request: { schema: 'PasskeySignInRequest', contentTypes: JSON_ONLY },
    response: { status: 204 },
  },
  cookieLogout: {
    method: 'post',
    path: '/auth/cookie/logout',
    auth: 'user',
    allowEnrolment: true,
    allowPending: true,
    response: { status: 200, schema: 'LogoutResponse' },
  },
  oidcAuthorize: {
    method: 'get',
    path: '/auth/cookie/:name/authorize',
    auth: 'none',
    response: { status: 200, schema: 'OidcAuthorizeResponse' },
  },
  oauthAuthorize: {
    method: 'get',
    path: '/auth/oauth/authorize',
    auth: 'none',
    response: { status: 200, schema: 'OidcAuthorizeResponse' },
  },
  oidcCallback: {
    method: 'get',
    path: '/auth/cookie/:name/callback',
    auth: 'none',
    response: { status: 302 },
  },
  oidcOAuthCallback: {
    method: 'get',
    path: '/auth/oauth/callback',
    auth: 'none',
    response: { status: 302 },
  },
  register: {
    method: 'post',
    path: '/auth/register',
    auth: 'none',
    request: { schema: 'RegisterRequest', contentTypes: JSON_ONLY },
    response: { status: 201, schema: 'UserRead' },
  },
  forgotPassword: {
    method: 'post',
    path: '/auth/forgot-password',
    auth: 'none',
    request: { schema: 'ForgotPasswordRequest', contentTypes: JSON_ONLY },
    response: { status: 202, schema: 'ForgotPasswordResponse' },
  },
  resetPassword: {
    method: 'post',
    path: '/auth/reset-password',
    auth: 'none',
    request: { schema: 'ResetPasswordRequest', contentTypes: JSON_ONLY },
    response: { status: 204 },
  },
  requestVerifyToken: {
    method: 'post',
    path: '/auth/request-verify-token',
    auth: 'none',
    request: { schema: 'RequestVerifyTokenRequest', contentTypes: JSON_ONLY },
    response: { status: 202, schema: 'ForgotPasswordResponse' },
    allowPending: true,
  },
  verifyEmail: {
    method: 'post',
    path: '/auth/verify',
    auth: 'none',
    request: { schema: 'VerifyEmailRequest', contentTypes: JSON_ONLY },
    response: { status: 200, schema: 'UserRead' },
    allowPending: true,
  },
  authMetadata: {
    method: 'get',
    path: '/auth/metadata',
    auth: 'none',
    response: { status: 200, schema: 'AuthMetadata' },
  },
  getMe: {
    method: 'get',
    path: '/users/me',
    auth: 'user',
    apiKey: 'read',
    allowEnrolment: true,
    allowPending: true,
    response: { status: 200, schema: 'UserRead' },
  },
  updateMe: {
    method: 'patch',
    path: '/users/me',
    auth: 'user',
    apiKey: 'write',
    request: { schema: 'UpdateMeRequest', contentTypes: JSON_ONLY },
    response: { status: 200, schema: 'UserRead' },
  },
  listMySessions: {
    method: 'get',
    path: '/users/me/sessions',
    auth: 'user',
    apiKey: 'read',
    response: { status: 200, schema: 'SessionList' },
  },
  revokeMyOtherSessions: {
    method: 'delete',
    path: '/users/me/sessions',
    auth: 'user',
    apiKey: 'write',
    response: { status: 200, schema: 'RevokedSessions' },
  },
  revokeMySession: {
    method: 'delete',
    path: '/users/me/sessions/:id',
    auth: 'user',
    apiKey: 'write',
    response: { status: 204 },
  },
  listMyLinkedAccounts: {
    method: 'get',
    path: '/users/me/linked-accounts',
    auth: 'user',
    apiKey: 'read',
    response: { status: 200, schema: 'LinkedAccountList' },
  },
  linkMyAccount: {
    method: 'post',
    path: '/users/me/linked-accounts',
    auth: 'user',
    request: { schema: 'LinkAccountRequest', contentTypes: JSON_ONLY },
    response: { status: 200, schema: 'OidcAuthorizeResponse' },
  },
  unlinkMyLinkedAccount: {
    method: 'delete',
    path: '/users/me/linked-accounts/:id',
    auth: 'user',
    response: { status: 204 },
  },
  reauthenticateMe: {
    method: 'post',
    path: '/users/me/reauthenticate',
    auth: 'user',
    allowEnrolment: true,
    request: { schema: 'ReauthenticateRequest', contentTypes: JSON_ONLY },
    response: { status: 200, schema: 'ReauthenticateResponse' },
  },
  getMySecondFactor: {
    method: 'get',
    path: '/users/me/second-factor',
    auth: 'user',
    allowEnrolment: true,
    response: { status: 200, schema: 'SecondFactorStatus' },
  },
  startTotp: {
    method: 'post',
    path: '/users/me/totp',
    auth: 'user',
    allowEnrolment: true,
    response: { status: 200, schema: 'TotpEnrolment' },
  },
  confirmTotp: {
    method: 'post',
    path: '/users/me/totp/confirm',
    auth: 'user',
    allowEnrolment: true,
    request: { schema: 'TotpConfirmRequest', contentTypes: JSON_ONLY },
    response: { status: 200, schema: 'RecoveryCodes' },
  },
  removeTotp: {
    method: 'delete',
    path: '/users/me/totp',
    auth: 'user',
    response: { status: 204 },
  },
  regenerateRecoveryCodes: {
    method: 'post',
    path: '/users/me/recovery-codes',
    auth: 'user',
    response: { status: 200, schema: 'RecoveryCodes' },
  },
  listMyPasskeys: {
    method: 'get',
    path: '/users/me/passkeys',
    auth: 'user',
    allowEnrolment: true,
    response: { status: 200, schema: 'PasskeyList' },
  },
  passkeyRegistrationOptions: {
    method: 'post',
    path: '/users/me/passkeys/options',
    auth: 'user',
    allowEnrolment: true,
    response: { status: 200, schema: 'WebauthnOptions' },
  },
  addMyPasskey: {
    method: 'post',
    path: '/users/me/passkeys',
    auth: 'user',
    allowEnrolment: true,
    request: { schema: 'AddPasskeyRequest', contentTypes: JSON_ONLY },
    response: { status: 201, schema: 'PasskeyRead' },
  },
  renameMyPasskey: {
    method: 'patch',
    path: '/users/me/passkeys/:id',
    auth: 'user',
    request: { schema: 'RenamePasskeyRequest', contentTypes: JSON_ONLY },
    response: { status: 200, schema: 'PasskeyRead' },
  },
  removeMyPasskey: {
    method: 'delete',
    path: '/users/me/passkeys/:id',
    auth: 'user',
    response: { status: 204 },
  },
  listMyApiKeys: {
    method: 'get',
    path: '/users/me/api-keys',
    auth: 'user',
    response: { status: 200, schema: 'ApiKeyList' },
  },
  createMyApiKey: {
    method: 'post',
    path: '/users/me/api-keys',
    auth: 'user',
    request: { schema: 'CreateApiKeyRequest', contentTypes: JSON_ONLY },
    response: { status: 201, schema: 'CreatedApiKey' },
  },
  renameMyApiKey: {
    method: 'patch',
    path: '/users/me/api-keys/:id',
    auth: 'user',
    request: { schema: 'RenameApiKeyRequest', contentTypes: JSON_ONLY },
    response: { status: 200, schema: 'ApiKeyRead' },
  },
  revokeMyApiKey: {
    method: 'delete',
    path: '/users/me/api-keys/:id',
    auth: 'user',
    response: { status: 204 },
  },
  listUsers: {
    method: 'get',
    path: '/users/all',
    auth: 'admin',
    apiKey: 'admin',
    response: { status: 200, schema: 'UserList' },
  },
  searchUsers: {
    method: 'get',
    path: '/users',
    auth: 'admin',
    apiKey: 'admin',
    query: 'UserSearchQuery',
    response: { status: 200, schema: 'UserPage' },
  },
  createUser: {
    method: 'post',
    path: '/users',
    auth: 'admin',
    apiKey: 'admin',
    request: { schema: 'AdminCreateUserRequest', contentTypes: JSON_ONLY },
    response: { status: 201, schema: 'AdminCreateUserResponse' },
  },
  sendPasswordReset: {
    method: 'post',
    path: '/users/:id/password-reset',
    auth: 'admin',
    apiKey: 'admin',
    response: { status: 200, schema: 'AdminPasswordResetResponse' },
  },
  unlockUser: {
    method: 'post',
    path: '/users/:id/unlock',
    auth: 'admin',
    apiKey: 'admin',
    response: { status: 204 },
  },
  getUser: {
    method: 'get',
    path: '/users/:id',
    auth: 'admin',
    apiKey: 'admin',
    response: { status: 200, schema: 'UserRead' },
  },
  updateUser: {
    method: 'patch',
    path: '/users/:id',
    auth: 'admin',
    apiKey: 'admin',
    request: { schema: 'AdminUpdateUserRequest', contentTypes: JSON_ONLY },
    response: { status: 200, schema: 'UserRead' },
  },
  deleteUser: {
    method: 'delete',
    path: '/users/:id',
    auth: 'admin',
    apiKey: 'admin',
    response: { status: 204 },
  },
  listUserApiKeys: {
    method: 'get',
    path: '/users/:id/api-keys',
    auth: 'admin',
    response: { status: 200, schema: 'ApiKeyList' },
  },
  revokeApiKey: {
    method: 'delete',
    path: '/api-keys/:id',
    auth: 'admin',
    response: { status: 204 },
  },
  resetUserSecondFactor: {
    method: 'delete',
    path: '/users/:id/second-factor',
    auth: 'admin',
    response: { status: 204 },
  },
  listAuditEvents: {
    method: 'get',
    path: '/audit',
    auth: 'admin',
    apiKey: 'admin',
    query: 'AuditEventQuery',
    response: { status: 200, schema: 'AuditEventPage' },
  },
  forwardAuth: {
    method: 'get',
    path: '/auth/forward',
    auth: 'none',
    query: 'ForwardAuthQuery',
    response: { status: 200 },
  },
  forwardAuthReturn: {
    method: 'get',
    path: '/auth/forward/return',
    auth: 'none',
    response: { status: 302 },
  },
  health: {
    method: 'get',
    path: '/health',
    auth: 'none',
    response: { status: 200, schema: 'Health' },
  },
  healthLive: {
    method: 'get',
    path: '/health/live',
    auth: 'none',
    response: { status: 200, schema: 'Liveness' },
  },
  healthReady: {
    method: 'get',
    path: '/health/ready',
    auth: 'none',
    response: { status: 200, schema: 'Readiness' },
  },
  openapi: {
    method: 'get',
    path: '/openapi.json',
    auth: 'none',
    response: { status: 200 },
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
