/**
 * JSON Schemas (draft 2020-12, as OpenAPI 3.1 uses) for every request and response body.
 * The API validates requests with ajv against these, the OpenAPI document embeds them, and the
 * TypeScript types below are inferred from them, so the three can never drift apart.
 */
import type { FromSchema } from 'json-schema-to-ts';
import { AUDIT_ACTOR_TYPES, AUDIT_EVENT_TYPES } from './audit.js';

/**
 * What counts as an email address where a value arrives outside a request body (an identity
 * provider's claim, a CLI argument): one @, no whitespace. Bodies use the `email` schema below.
 */
export const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+$/;

// Surrounding whitespace is allowed here and trimmed by the server's normalisation (trim, NFC,
// lower-case); the address itself needs one @ and no inner whitespace.
const email = {
  type: 'string',
  minLength: 3,
  maxLength: 254,
  // No control characters (NUL and friends never belong in an address, and databases refuse NUL).
  pattern: '^\\s*[^\\s@\\u0000-\\u001f\\u007f]+@[^\\s@\\u0000-\\u001f\\u007f]+\\s*$',
  description: 'Email address; trimmed and lower-cased by the server.',
} as const;
// Length is checked again in bytes by the password policy; maxLength here only bounds the input.
const password = { type: 'string', minLength: 1, maxLength: 512 } as const;
const displayName = { type: ['string', 'null'], maxLength: 100 } as const;
const uuid = { type: 'string', format: 'uuid' } as const;
const dateTime = { type: 'string', format: 'date-time' } as const;

export const LoginRequestSchema = {
  $id: 'LoginRequest',
  title: 'LoginRequest',
  description:
    'OAuth2 password-grant form as fastapi-users reads it (`username` is the email). Sent as ' + 'application/x-www-form-urlencoded or JSON.',
  type: 'object',
  properties: {
    username: { type: 'string', minLength: 1, maxLength: 254, pattern: '^[^\\u0000-\\u001f\\u007f]*$' },
    password,
    grant_type: { type: 'string', enum: ['password', ''] },
    scope: { type: 'string', maxLength: 1000 },
    client_id: { type: 'string', maxLength: 1000 },
    client_secret: { type: 'string', maxLength: 1000 },
  },
  required: ['username', 'password'],
  additionalProperties: false,
} as const;

// fastapi-users' UserCreate carries these flags; its "safe" registration ignores them, and so does
// Gatehouse: a self-registered account is always active, never an administrator, and awaits approval.
const ignoredUserCreateFlag = {
  type: ['boolean', 'null'],
  description: 'Accepted for fastapi-users clients (`UserCreate`) and ignored: it grants nothing.',
} as const;

export const RegisterRequestSchema = {
  $id: 'RegisterRequest',
  title: 'RegisterRequest',
  description:
    "fastapi-users' `UserCreate`. `is_active`, `is_superuser` and `is_verified` may be sent and are ignored: a new " +
    "account is active, not an administrator, and awaits an administrator's approval.",
  type: 'object',
  properties: {
    email,
    password,
    display_name: displayName,
    is_active: ignoredUserCreateFlag,
    is_superuser: ignoredUserCreateFlag,
    is_verified: ignoredUserCreateFlag,
  },
  required: ['email', 'password'],
  additionalProperties: false,
} as const;

export const UpdateMeRequestSchema = {
  $id: 'UpdateMeRequest',
  title: 'UpdateMeRequest',
  description:
    'Changing `email` or `password` needs `current_password` (400 `CURRENT_PASSWORD_REQUIRED` without it). ' +
    'An empty body changes nothing and answers the user, as fastapi-users does.',
  type: 'object',
  properties: { email, password, display_name: displayName, current_password: password },
  additionalProperties: false,
} as const;

export const AdminCreateUserRequestSchema = {
  $id: 'AdminCreateUserRequest',
  title: 'AdminCreateUserRequest',
  description:
    'Without `password`, the account is created without one and the response carries a one-time ' + '`setup_url` for the user to choose it.',
  type: 'object',
  properties: {
    email,
    password,
    display_name: displayName,
    is_active: { type: 'boolean' },
    is_superuser: { type: 'boolean' },
    is_verified: { type: 'boolean' },
  },
  required: ['email'],
  additionalProperties: false,
} as const;

export const AdminUpdateUserRequestSchema = {
  $id: 'AdminUpdateUserRequest',
  title: 'AdminUpdateUserRequest',
  type: 'object',
  properties: {
    email,
    password,
    display_name: displayName,
    is_active: { type: 'boolean' },
    is_superuser: { type: 'boolean' },
    is_verified: { type: 'boolean' },
  },
  additionalProperties: false,
  minProperties: 1,
} as const;

export const ResetPasswordRequestSchema = {
  $id: 'ResetPasswordRequest',
  title: 'ResetPasswordRequest',
  type: 'object',
  properties: { token: { type: 'string', minLength: 1, maxLength: 200 }, password },
  required: ['token', 'password'],
  additionalProperties: false,
} as const;

export const ForgotPasswordRequestSchema = {
  $id: 'ForgotPasswordRequest',
  title: 'ForgotPasswordRequest',
  type: 'object',
  properties: { email },
  required: ['email'],
  additionalProperties: false,
} as const;

export const ForgotPasswordResponseSchema = {
  $id: 'ForgotPasswordResponse',
  title: 'ForgotPasswordResponse',
  description: 'The same answer whether or not the account exists.',
  type: 'object',
  properties: { message: { type: 'string' } },
  required: ['message'],
  additionalProperties: false,
} as const;

export const RequestVerifyTokenRequestSchema = {
  $id: 'RequestVerifyTokenRequest',
  title: 'RequestVerifyTokenRequest',
  type: 'object',
  properties: { email },
  required: ['email'],
  additionalProperties: false,
} as const;

export const VerifyEmailRequestSchema = {
  $id: 'VerifyEmailRequest',
  title: 'VerifyEmailRequest',
  type: 'object',
  properties: { token: { type: 'string', minLength: 1, maxLength: 200 } },
  required: ['token'],
  additionalProperties: false,
} as const;

export const AdminPasswordResetResponseSchema = {
  $id: 'AdminPasswordResetResponse',
  title: 'AdminPasswordResetResponse',
  description: 'When SMTP is configured the link is emailed (`sent`); otherwise, or when sending failed, ' + '`reset_url` is the link to hand over.',
  type: 'object',
  properties: {
    sent: { type: 'boolean' },
    reset_url: { type: ['string', 'null'] },
    delivery_error: { type: ['string', 'null'] },
    expires_at: dateTime,
  },
  required: ['sent', 'reset_url', 'delivery_error', 'expires_at'],
  additionalProperties: false,
} as const;

export const UserReadSchema = {
  $id: 'UserRead',
  title: 'UserRead',
  type: 'object',
  properties: {
    id: uuid,
    email: { type: 'string' },
    username: { type: ['string', 'null'] },
    display_name: { type: ['string', 'null'] },
    is_active: { type: 'boolean' },
    is_superuser: { type: 'boolean' },
    is_verified: { type: 'boolean' },
    has_password: { type: 'boolean' },
    /** A second factor (an authenticator app) guards the account's password sign-in. */
    has_second_factor: { type: 'boolean' },
    /** When the address was proven (link, identity provider or administrator); null while unproven. */
    email_verified_at: { type: ['string', 'null'], format: 'date-time' },
    /** A self-service email change waiting for the new address to confirm; null when none. */
    pending_email: { type: ['string', 'null'] },
    created_at: dateTime,
    updated_at: dateTime,
  },
  required: [
    'id',
    'email',
    'username',
    'display_name',
    'is_active',
    'is_superuser',
    'is_verified',
    'has_password',
    'has_second_factor',
    'email_verified_at',
    'pending_email',
    'created_at',
    'updated_at',
  ],
  additionalProperties: false,
} as const;

export const UserListSchema = {
  $id: 'UserList',
  title: 'UserList',
  type: 'array',
  items: UserReadSchema,
} as const;

export const UserPageSchema = {
  $id: 'UserPage',
  title: 'UserPage',
  type: 'object',
  description: 'One page of a user search, oldest account first.',
  properties: {
    items: UserListSchema,
    total: { type: 'integer', minimum: 0, description: 'Users matching the search, on all pages.' },
    page: { type: 'integer', minimum: 1 },
    per_page: { type: 'integer', minimum: 1, maximum: 100 },
  },
  required: ['items', 'total', 'page', 'per_page'],
  additionalProperties: false,
} as const;

export const AdminCreateUserResponseSchema = {
  $id: 'AdminCreateUserResponse',
  title: 'AdminCreateUserResponse',
  type: 'object',
  properties: {
    user: UserReadSchema,
    setup_url: { type: ['string', 'null'], description: 'One-time link to set a password.' },
  },
  required: ['user', 'setup_url'],
  additionalProperties: false,
} as const;

export const TokenResponseSchema = {
  $id: 'TokenResponse',
  title: 'TokenResponse',
  type: 'object',
  properties: {
    access_token: { type: 'string' },
    token_type: { type: 'string', const: 'bearer' },
  },
  required: ['access_token', 'token_type'],
  additionalProperties: false,
} as const;

export const SessionReadSchema = {
  $id: 'SessionRead',
  title: 'SessionRead',
  type: 'object',
  properties: {
    id: uuid,
    transport: { type: 'string', enum: ['cookie', 'bearer'] },
    auth_method: { type: 'string' },
    user_agent: { type: ['string', 'null'] },
    ip_address: { type: ['string', 'null'] },
    created_at: dateTime,
    last_seen_at: dateTime,
    expires_at: dateTime,
    is_current: { type: 'boolean' },
  },
  required: ['id', 'transport', 'auth_method', 'user_agent', 'ip_address', 'created_at', 'last_seen_at', 'expires_at', 'is_current'],
  additionalProperties: false,
} as const;

export const SessionListSchema = {
  $id: 'SessionList',
  title: 'SessionList',
  type: 'array',
  items: SessionReadSchema,
} as const;

export const LinkAccountRequestSchema = {
  $id: 'LinkAccountRequest',
  title: 'LinkAccountRequest',
  type: 'object',
  properties: {
    provider: { type: 'string', minLength: 1, maxLength: 100, description: 'The provider name (case-sensitive).' },
    returnTo: { type: 'string', maxLength: 2000, description: 'A path inside Gatehouse to come back to; default "/".' },
    current_password: {
      type: 'string',
      minLength: 1,
      maxLength: 1024,
      description: 'Proves the owner when the last sign-in is older than auth.reauthentication_window.',
    },
  },
  required: ['provider'],
  additionalProperties: false,
} as const;

export const ReauthenticateRequestSchema = {
  $id: 'ReauthenticateRequest',
  title: 'ReauthenticateRequest',
  description:
    'Prove again that the session belongs to its owner: `current_password`, or `provider` (one linked to ' +
    'this account) to sign in there afresh; `returnTo` is where the provider flow comes back to.',
  type: 'object',
  properties: {
    current_password: { type: 'string', minLength: 1, maxLength: 1024 },
    provider: { type: 'string', minLength: 1, maxLength: 100 },
    returnTo: { type: 'string', maxLength: 2000 },
  },
  // Exactly one way (strictRequired wants each branch to name what it requires).
  oneOf: [
    { properties: { current_password: true }, required: ['current_password'] },
    { properties: { provider: true }, required: ['provider'] },
  ],
  additionalProperties: false,
} as const;

export const ReauthenticateResponseSchema = {
  $id: 'ReauthenticateResponse',
  title: 'ReauthenticateResponse',
  description:
    'null: the password proved the owner, the session may make sensitive changes now. A URL: open it ' +
    '(the transaction cookie is set alongside); the session is marked when the provider sends the browser back.',
  type: 'object',
  properties: { authorization_url: { type: ['string', 'null'] } },
  required: ['authorization_url'],
  additionalProperties: false,
} as const;

export const RevokedSessionsSchema = {
  $id: 'RevokedSessions',
  title: 'RevokedSessions',
  type: 'object',
  properties: {
    revoked: { type: 'integer', minimum: 0, description: 'How many sessions were ended.' },
  },
  required: ['revoked'],
  additionalProperties: false,
} as const;

export const AuthMetadataSchema = {
  $id: 'AuthMetadata',
  title: 'AuthMetadata',
  type: 'object',
  properties: {
    oauth_providers: {
      type: 'array',
      items: { type: 'string' },
      description: 'Names of the enabled OpenID Connect providers (MediaManager’s field).',
    },
    oidc_providers: {
      type: 'array',
      description: 'The enabled OpenID Connect providers, as the login page shows them.',
      items: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          button_text: { type: 'string' },
          icon_url: { type: 'string', description: 'Empty for none.' },
          auto_launch: { type: 'boolean', description: 'Send visitors of the login page straight to it.' },
          authorize_url: {
            type: 'string',
            description: 'Path of the browser-friendly authorize route (answers 302); add &returnTo=/path.',
          },
          redirect_uri: { type: 'string', description: 'The redirect URI to register with the provider.' },
        },
        required: ['name', 'button_text', 'icon_url', 'auto_launch', 'authorize_url', 'redirect_uri'],
        additionalProperties: false,
      },
    },
    registration_enabled: { type: 'boolean' },
    password_login_enabled: { type: 'boolean' },
    email_password_resets: { type: 'boolean' },
    passkeys_enabled: {
      type: 'boolean',
      description: 'Passkeys work here: frontend_url is a secure context (https, or http on localhost).',
    },
    api_keys_allow_no_expiry: {
      type: 'boolean',
      description: 'API keys that never expire may be made here (expires_in_days: null; [auth] api_keys_allow_no_expiry).',
    },
    version: { type: 'string' },
  },
  required: [
    'oauth_providers',
    'oidc_providers',
    'registration_enabled',
    'password_login_enabled',
    'email_password_resets',
    'passkeys_enabled',
    'api_keys_allow_no_expiry',
    'version',
  ],
  additionalProperties: false,
} as const;

export const OidcAuthorizeResponseSchema = {
  $id: 'OidcAuthorizeResponse',
  title: 'OidcAuthorizeResponse',
  description: 'Where to send the browser (MediaManager’s contract); the transaction cookie is set alongside.',
  type: 'object',
  properties: { authorization_url: { type: 'string' } },
  required: ['authorization_url'],
  additionalProperties: false,
} as const;

export const LogoutResponseSchema = {
  $id: 'LogoutResponse',
  title: 'LogoutResponse',
  description: 'The session came from an identity provider that supports RP-initiated logout: open this URL to sign out there too.',
  type: 'object',
  properties: { end_session_url: { type: 'string' } },
  required: ['end_session_url'],
  additionalProperties: false,
} as const;

export const LinkedAccountReadSchema = {
  $id: 'LinkedAccountRead',
  title: 'LinkedAccountRead',
  type: 'object',
  properties: {
    id: uuid,
    provider: { type: 'string', description: 'The provider’s configured name.' },
    issuer: { type: 'string' },
    email: { type: ['string', 'null'] },
    created_at: dateTime,
    last_login_at: { type: ['string', 'null'], format: 'date-time' },
  },
  required: ['id', 'provider', 'issuer', 'email', 'created_at', 'last_login_at'],
  additionalProperties: false,
} as const;

export const LinkedAccountListSchema = {
  $id: 'LinkedAccountList',
  title: 'LinkedAccountList',
  type: 'array',
  items: LinkedAccountReadSchema,
} as const;

export const ReadinessSchema = {
  $id: 'Readiness',
  title: 'Readiness',
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['ready', 'not_ready'] },
    database: { type: 'string', enum: ['ok', 'unreachable'] },
    migrations: { type: 'string', enum: ['ok', 'pending', 'unknown'] },
  },
  required: ['status', 'database', 'migrations'],
  additionalProperties: false,
} as const;

export const HealthSchema = {
  $id: 'Health',
  title: 'Health',
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['ok', 'unavailable'] },
    database: { type: 'string', enum: ['ok', 'unreachable'] },
  },
  required: ['status', 'database'],
  additionalProperties: false,
} as const;

export const LivenessSchema = {
  $id: 'Liveness',
  title: 'Liveness',
  type: 'object',
  properties: {
    status: { type: 'string', const: 'ok' },
  },
  required: ['status'],
  additionalProperties: false,
} as const;

export const AuditEventSchema = {
  $id: 'AuditEvent',
  title: 'AuditEvent',
  description:
    'One entry of the audit trail. `actor_*` is who did it, `user_*` the account it is about (the same ' +
    'person for a sign-in). Never carries a password, token or secret.',
  type: 'object',
  properties: {
    id: { type: 'string', pattern: '^[0-9]+$', description: 'Increasing; pass as `before` for the next page.' },
    created_at: dateTime,
    type: { type: 'string', enum: AUDIT_EVENT_TYPES },
    actor_type: { type: 'string', enum: AUDIT_ACTOR_TYPES },
    actor_id: { type: ['string', 'null'], format: 'uuid' },
    actor_email: { type: ['string', 'null'] },
    user_id: { type: ['string', 'null'], format: 'uuid' },
    user_email: { type: ['string', 'null'] },
    method: { type: ['string', 'null'], description: 'Sign-ins: "password" or "oidc".' },
    provider: { type: ['string', 'null'], description: 'The identity provider’s configured name.' },
    ip_address: { type: ['string', 'null'] },
    details: { type: 'object', description: 'What changed, why it failed, … (event-specific).' },
  },
  required: [
    'id',
    'created_at',
    'type',
    'actor_type',
    'actor_id',
    'actor_email',
    'user_id',
    'user_email',
    'method',
    'provider',
    'ip_address',
    'details',
  ],
  additionalProperties: false,
} as const;

export const AuditEventPageSchema = {
  $id: 'AuditEventPage',
  title: 'AuditEventPage',
  description: 'Newest first. `next_before` is the cursor for the next (older) page, or null at the end.',
  type: 'object',
  properties: {
    events: { type: 'array', items: AuditEventSchema },
    next_before: { type: ['string', 'null'] },
  },
  required: ['events', 'next_before'],
  additionalProperties: false,
} as const;

// An authenticator's six digits (a space in the middle, as apps show them, is allowed).
const totpCode = { type: 'string', pattern: '^\\s*[0-9]{3}\\s?[0-9]{3}\\s*$', description: 'The six digits the authenticator app shows.' } as const;
const recoveryCode = {
  type: 'string',
  minLength: 1,
  maxLength: 64,
  description: 'One of the recovery codes (any case; dashes and spaces ignored).',
} as const;

// A WebAuthn ceremony's result as @simplewebauthn/browser (and the WebAuthn Level 3 toJSON) shapes it;
// @simplewebauthn/server checks it field by field.
const webauthnResponse = {
  type: 'object',
  properties: { id: { type: 'string', minLength: 1, maxLength: 1400 }, type: { const: 'public-key' } },
  required: ['id', 'type'],
} as const;

export const SecondFactorLoginRequestSchema = {
  $id: 'SecondFactorLoginRequest',
  title: 'SecondFactorLoginRequest',
  description:
    'Completes a sign-in that answered SECOND_FACTOR_REQUIRED: `code` from the authenticator app, or one `recovery_code`. ' +
    'The Bearer flow also sends the `token` that answer carried; a browser has it as a cookie.',
  type: 'object',
  properties: {
    token: { type: 'string', minLength: 1, maxLength: 2048 },
    code: totpCode,
    recovery_code: recoveryCode,
    webauthn: {
      ...webauthnResponse,
      description: 'Browsers: a passkey’s answer (AuthenticationResponseJSON) to POST /auth/cookie/login/second-factor/options.',
    },
  },
  oneOf: [
    { properties: { code: true }, required: ['code'] },
    { properties: { recovery_code: true }, required: ['recovery_code'] },
    { properties: { webauthn: true }, required: ['webauthn'] },
  ],
  additionalProperties: false,
} as const;

export const SecondFactorStatusSchema = {
  $id: 'SecondFactorStatus',
  title: 'SecondFactorStatus',
  type: 'object',
  properties: {
    totp: { type: 'boolean', description: 'An authenticator app is set up and confirmed.' },
    passkeys: { type: 'integer', description: 'Passkeys on the account (each also serves as a second factor).' },
    recovery_codes_left: { type: 'integer', description: 'Unused recovery codes.' },
    required: { type: 'boolean', description: '[auth] second_factor requires this account to have one.' },
    enrolment_required: {
      type: 'boolean',
      description: 'This session may do nothing but add a second factor (and read its account, sign out) until it does.',
    },
  },
  required: ['totp', 'passkeys', 'recovery_codes_left', 'required', 'enrolment_required'],
  additionalProperties: false,
} as const;

export const TotpEnrolmentSchema = {
  $id: 'TotpEnrolment',
  title: 'TotpEnrolment',
  description: 'A new authenticator secret, not active until confirmed with a code from it. Shown only now.',
  type: 'object',
  properties: {
    secret: { type: 'string', description: 'Base32, for typing into the app.' },
    otpauth_url: { type: 'string', description: 'The otpauth:// URI the QR code carries.' },
  },
  required: ['secret', 'otpauth_url'],
  additionalProperties: false,
} as const;

export const TotpConfirmRequestSchema = {
  $id: 'TotpConfirmRequest',
  title: 'TotpConfirmRequest',
  type: 'object',
  properties: { code: totpCode },
  required: ['code'],
  additionalProperties: false,
} as const;

export const RecoveryCodesSchema = {
  $id: 'RecoveryCodes',
  title: 'RecoveryCodes',
  description: 'Ten single-use recovery codes, shown only now; any earlier ones no longer work.',
  type: 'object',
  properties: { recovery_codes: { type: 'array', items: { type: 'string' } } },
  required: ['recovery_codes'],
  additionalProperties: false,
} as const;

export const PasskeyReadSchema = {
  $id: 'PasskeyRead',
  title: 'PasskeyRead',
  type: 'object',
  properties: {
    id: uuid,
    name: { type: 'string' },
    created_at: dateTime,
    last_used_at: { type: ['string', 'null'], format: 'date-time' },
    backed_up: {
      type: 'boolean',
      description: 'Synced by its provider (iCloud Keychain, Google Password Manager…) rather than bound to one device.',
    },
  },
  required: ['id', 'name', 'created_at', 'last_used_at', 'backed_up'],
  additionalProperties: false,
} as const;

export const PasskeyListSchema = {
  $id: 'PasskeyList',
  title: 'PasskeyList',
  type: 'array',
  items: PasskeyReadSchema,
} as const;

const passkeyName = { type: 'string', minLength: 1, maxLength: 100, pattern: '^[^\\u0000-\\u001f\\u007f]*$' } as const;

export const WebauthnOptionsSchema = {
  $id: 'WebauthnOptions',
  title: 'WebauthnOptions',
  description:
    'WebAuthn options as JSON (PublicKeyCredentialCreationOptionsJSON or PublicKeyCredentialRequestOptionsJSON): pass them to ' +
    '@simplewebauthn/browser’s startRegistration / startAuthentication (or PublicKeyCredential.parse…OptionsFromJSON). ' +
    'The challenge is single use and expires after 5 minutes.',
  type: 'object',
  properties: { challenge: { type: 'string' } },
  required: ['challenge'],
} as const;

export const AddPasskeyRequestSchema = {
  $id: 'AddPasskeyRequest',
  title: 'AddPasskeyRequest',
  type: 'object',
  properties: {
    name: { ...passkeyName, description: 'What to call it ("MacBook", "YubiKey").' },
    response: { ...webauthnResponse, description: 'The RegistrationResponseJSON from startRegistration.' },
  },
  required: ['name', 'response'],
  additionalProperties: false,
} as const;

export const RenamePasskeyRequestSchema = {
  $id: 'RenamePasskeyRequest',
  title: 'RenamePasskeyRequest',
  type: 'object',
  properties: { name: passkeyName },
  required: ['name'],
  additionalProperties: false,
} as const;

export const PasskeySignInRequestSchema = {
  $id: 'PasskeySignInRequest',
  title: 'PasskeySignInRequest',
  type: 'object',
  properties: { response: { ...webauthnResponse, description: 'The AuthenticationResponseJSON from startAuthentication.' } },
  required: ['response'],
  additionalProperties: false,
} as const;

export const ApiKeyReadSchema = {
  $id: 'ApiKeyRead',
  title: 'ApiKeyRead',
  type: 'object',
  properties: {
    id: uuid,
    name: { type: 'string' },
    scope: { type: 'string', enum: ['read', 'write', 'admin'] },
    prefix: { type: 'string', description: 'The key’s first characters (gh_ and its id), enough to recognise it; never the secret.' },
    created_at: dateTime,
    expires_at: { type: ['string', 'null'], format: 'date-time', description: 'Null: never expires.' },
    last_used_at: { type: ['string', 'null'], format: 'date-time', description: 'Recorded at most once a minute.' },
    last_used_ip: { type: ['string', 'null'] },
  },
  required: ['id', 'name', 'scope', 'prefix', 'created_at', 'expires_at', 'last_used_at', 'last_used_ip'],
  additionalProperties: false,
} as const;

export const ApiKeyListSchema = {
  $id: 'ApiKeyList',
  title: 'ApiKeyList',
  type: 'array',
  items: ApiKeyReadSchema,
} as const;

const apiKeyName = { type: 'string', minLength: 1, maxLength: 100, pattern: '^[^\\u0000-\\u001f\\u007f]*$' } as const;

export const CreateApiKeyRequestSchema = {
  $id: 'CreateApiKeyRequest',
  title: 'CreateApiKeyRequest',
  type: 'object',
  properties: {
    name: { ...apiKeyName, description: 'What the key is for ("backup script").' },
    scope: {
      type: 'string',
      enum: ['read', 'write', 'admin'],
      description:
        'read: GET routes only; write: what you may do, but not manage keys, email, password, passkeys or second factors; admin: that and the administrators’ routes (administrators only).',
    },
    expires_in_days: {
      type: ['integer', 'null'],
      minimum: 1,
      maximum: 365,
      description: 'Days until it stops working (default 90, at most 365); null: never (only where [auth] api_keys_allow_no_expiry).',
    },
  },
  required: ['name', 'scope'],
  additionalProperties: false,
} as const;

export const CreatedApiKeySchema = {
  $id: 'CreatedApiKey',
  title: 'CreatedApiKey',
  type: 'object',
  properties: {
    key: { type: 'string', description: 'The key, shown only now: send it as `Authorization: Bearer <key>`.' },
    api_key: ApiKeyReadSchema,
  },
  required: ['key', 'api_key'],
  additionalProperties: false,
} as const;

export const RenameApiKeyRequestSchema = {
  $id: 'RenameApiKeyRequest',
  title: 'RenameApiKeyRequest',
  type: 'object',
  properties: { name: apiKeyName },
  required: ['name'],
  additionalProperties: false,
} as const;

export const ErrorResponseSchema = {
  $id: 'ErrorResponse',
  title: 'ErrorResponse',
  type: 'object',
  properties: {
    detail: { type: 'string', description: 'Machine-readable error code.' },
    message: { type: 'string', description: 'Human-readable explanation.' },
    second_factor: {
      type: 'object',
      description: 'SECOND_FACTOR_REQUIRED only: how to complete the sign-in.',
      properties: {
        token: {
          type: 'string',
          description:
            'Bearer sign-in (/auth/jwt/login) only: send it to POST /auth/jwt/login/second-factor with a code. ' +
            'A browser (/auth/cookie/login) holds it in an HttpOnly cookie instead.',
        },
        methods: { type: 'array', items: { type: 'string', enum: ['totp', 'recovery_code', 'webauthn'] } },
        expires_in: { type: 'integer', description: 'Seconds left to complete it.' },
      },
      required: ['methods', 'expires_in'],
      additionalProperties: false,
    },
    request_id: {
      type: 'string',
      description: 'The request id (also in the X-Request-Id header and on every server log line about the request).',
    },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        properties: { field: { type: 'string' }, message: { type: 'string' } },
        required: ['field', 'message'],
        additionalProperties: false,
      },
    },
  },
  required: ['detail', 'message'],
  additionalProperties: false,
} as const;

/** Every named schema, for ajv registration and OpenAPI `components.schemas`. */
export const SCHEMAS = {
  LoginRequest: LoginRequestSchema,
  RegisterRequest: RegisterRequestSchema,
  UpdateMeRequest: UpdateMeRequestSchema,
  AdminCreateUserRequest: AdminCreateUserRequestSchema,
  AdminUpdateUserRequest: AdminUpdateUserRequestSchema,
  ResetPasswordRequest: ResetPasswordRequestSchema,
  ForgotPasswordRequest: ForgotPasswordRequestSchema,
  ForgotPasswordResponse: ForgotPasswordResponseSchema,
  RequestVerifyTokenRequest: RequestVerifyTokenRequestSchema,
  VerifyEmailRequest: VerifyEmailRequestSchema,
  AdminPasswordResetResponse: AdminPasswordResetResponseSchema,
  UserRead: UserReadSchema,
  UserList: UserListSchema,
  UserPage: UserPageSchema,
  AdminCreateUserResponse: AdminCreateUserResponseSchema,
  TokenResponse: TokenResponseSchema,
  SessionRead: SessionReadSchema,
  SessionList: SessionListSchema,
  RevokedSessions: RevokedSessionsSchema,
  LinkAccountRequest: LinkAccountRequestSchema,
  ReauthenticateRequest: ReauthenticateRequestSchema,
  ReauthenticateResponse: ReauthenticateResponseSchema,
  AuthMetadata: AuthMetadataSchema,
  OidcAuthorizeResponse: OidcAuthorizeResponseSchema,
  LogoutResponse: LogoutResponseSchema,
  LinkedAccountRead: LinkedAccountReadSchema,
  LinkedAccountList: LinkedAccountListSchema,
  Health: HealthSchema,
  Liveness: LivenessSchema,
  AuditEvent: AuditEventSchema,
  AuditEventPage: AuditEventPageSchema,
  Readiness: ReadinessSchema,
  SecondFactorLoginRequest: SecondFactorLoginRequestSchema,
  SecondFactorStatus: SecondFactorStatusSchema,
  TotpEnrolment: TotpEnrolmentSchema,
  TotpConfirmRequest: TotpConfirmRequestSchema,
  RecoveryCodes: RecoveryCodesSchema,
  PasskeyRead: PasskeyReadSchema,
  PasskeyList: PasskeyListSchema,
  WebauthnOptions: WebauthnOptionsSchema,
  AddPasskeyRequest: AddPasskeyRequestSchema,
  RenamePasskeyRequest: RenamePasskeyRequestSchema,
  PasskeySignInRequest: PasskeySignInRequestSchema,
  ApiKeyRead: ApiKeyReadSchema,
  ApiKeyList: ApiKeyListSchema,
  CreateApiKeyRequest: CreateApiKeyRequestSchema,
  CreatedApiKey: CreatedApiKeySchema,
  RenameApiKeyRequest: RenameApiKeyRequestSchema,
  ErrorResponse: ErrorResponseSchema,
} as const;

export type SchemaName = keyof typeof SCHEMAS;

export type LoginRequest = FromSchema<typeof LoginRequestSchema>;
export type RegisterRequest = FromSchema<typeof RegisterRequestSchema>;
export type UpdateMeRequest = FromSchema<typeof UpdateMeRequestSchema>;
export type AdminCreateUserRequest = FromSchema<typeof AdminCreateUserRequestSchema>;
export type AdminUpdateUserRequest = FromSchema<typeof AdminUpdateUserRequestSchema>;
export type ResetPasswordRequest = FromSchema<typeof ResetPasswordRequestSchema>;
export type ForgotPasswordRequest = FromSchema<typeof ForgotPasswordRequestSchema>;
export type ForgotPasswordResponse = FromSchema<typeof ForgotPasswordResponseSchema>;
export type RequestVerifyTokenRequest = FromSchema<typeof RequestVerifyTokenRequestSchema>;
export type VerifyEmailRequest = FromSchema<typeof VerifyEmailRequestSchema>;
export type AdminPasswordResetResponse = FromSchema<typeof AdminPasswordResetResponseSchema>;
export type UserRead = FromSchema<typeof UserReadSchema>;
export type AdminCreateUserResponse = FromSchema<typeof AdminCreateUserResponseSchema>;
export type TokenResponse = FromSchema<typeof TokenResponseSchema>;
export type SessionRead = FromSchema<typeof SessionReadSchema>;
export type LinkAccountRequest = FromSchema<typeof LinkAccountRequestSchema>;
export type ReauthenticateRequest = FromSchema<typeof ReauthenticateRequestSchema>;
export type ReauthenticateResponse = FromSchema<typeof ReauthenticateResponseSchema>;
export type RevokedSessions = FromSchema<typeof RevokedSessionsSchema>;
export type UserPage = FromSchema<typeof UserPageSchema>;
export type AuthMetadata = FromSchema<typeof AuthMetadataSchema>;
export type OidcAuthorizeResponse = FromSchema<typeof OidcAuthorizeResponseSchema>;
export type LogoutResponse = FromSchema<typeof LogoutResponseSchema>;
export type LinkedAccountRead = FromSchema<typeof LinkedAccountReadSchema>;
export type Health = FromSchema<typeof HealthSchema>;
export type Liveness = FromSchema<typeof LivenessSchema>;
export type AuditEvent = FromSchema<typeof AuditEventSchema>;
export type AuditEventPage = FromSchema<typeof AuditEventPageSchema>;
export type Readiness = FromSchema<typeof ReadinessSchema>;
export type SecondFactorLoginRequest = FromSchema<typeof SecondFactorLoginRequestSchema>;
export type SecondFactorStatus = FromSchema<typeof SecondFactorStatusSchema>;
export type TotpEnrolment = FromSchema<typeof TotpEnrolmentSchema>;
export type TotpConfirmRequest = FromSchema<typeof TotpConfirmRequestSchema>;
export type RecoveryCodes = FromSchema<typeof RecoveryCodesSchema>;
export type PasskeyRead = FromSchema<typeof PasskeyReadSchema>;
export type WebauthnOptions = FromSchema<typeof WebauthnOptionsSchema>;
export type AddPasskeyRequest = FromSchema<typeof AddPasskeyRequestSchema>;
export type RenamePasskeyRequest = FromSchema<typeof RenamePasskeyRequestSchema>;
export type PasskeySignInRequest = FromSchema<typeof PasskeySignInRequestSchema>;
export type ApiKeyRead = FromSchema<typeof ApiKeyReadSchema>;
export type CreateApiKeyRequest = FromSchema<typeof CreateApiKeyRequestSchema>;
export type CreatedApiKey = FromSchema<typeof CreatedApiKeySchema>;
export type RenameApiKeyRequest = FromSchema<typeof RenameApiKeyRequestSchema>;
