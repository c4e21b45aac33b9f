/**
 * The fixed set of failure codes an OpenID Connect callback can end with (`/login?oidc_error=CODE`)
 * and the human message for each. The login page shows the message for a known code only, never
 * text from the query string, so nothing a provider (or an attacker crafting a link) writes is ever
 * reflected.
 */
import type { ErrorCode } from './errors.js';

export const OIDC_ERROR_CODES = [
  'OIDC_PROVIDER_NOT_FOUND',
  'OIDC_PROVIDER_UNREACHABLE',
  'OIDC_ISSUER_MISMATCH',
  'OIDC_INVALID_CLIENT',
  'OIDC_REDIRECT_URI_MISMATCH',
  'OIDC_ACCESS_DENIED',
  'OIDC_EMAIL_MISSING',
  'OIDC_EMAIL_NOT_VERIFIED',
  'OIDC_USER_NOT_ALLOWED',
  'OIDC_REGISTRATION_DISABLED',
  'OIDC_ACCOUNT_DISABLED',
  'OIDC_LOGIN_FAILED',
  'OIDC_ALREADY_LINKED',
  'OIDC_EMAIL_UNPROVEN',
] as const satisfies readonly ErrorCode[];

export type OidcErrorCode = (typeof OIDC_ERROR_CODES)[number];

const ASK_ADMIN = 'If it keeps happening, ask the administrator: the server log says what to change.';

export const OIDC_ERROR_MESSAGES: Readonly<Record<OidcErrorCode, string>> = {
  OIDC_PROVIDER_NOT_FOUND: 'This sign-in provider is not configured on this server.',
  OIDC_PROVIDER_UNREACHABLE: `The identity provider could not be reached. Try again in a moment. ${ASK_ADMIN}`,
  OIDC_ISSUER_MISMATCH:
    'Single sign-on is misconfigured on this server (the identity provider’s address does not match). ' +
    'Ask the administrator to fix it; the server log says how.',
  OIDC_INVALID_CLIENT:
    'The identity provider did not accept this server’s client credentials. Ask the administrator to ' + 'check the client ID and secret.',
  OIDC_REDIRECT_URI_MISMATCH:
    'The identity provider refused this server’s redirect address. Ask the administrator to register ' +
    'the redirect URI shown in the server log with the provider.',
  OIDC_ACCESS_DENIED: 'Sign-in was cancelled or refused at the identity provider.',
  OIDC_EMAIL_MISSING:
    'The identity provider did not share an email address, which an account here needs. Make sure your ' +
    'account there has one, and that this app may see it.',
  OIDC_EMAIL_NOT_VERIFIED:
    'The identity provider does not confirm that you own your email address, so it was neither linked to ' +
    'an account here nor used to create one. Verify your email address at the identity provider, then ' +
    'try again.',
  OIDC_USER_NOT_ALLOWED: 'Your account at the identity provider is not allowed to use this server.',
  OIDC_REGISTRATION_DISABLED:
    'There is no account here for you yet, and new accounts are not created automatically. Ask an ' + 'administrator to create one.',
  OIDC_ACCOUNT_DISABLED: 'Your account here is disabled. Ask an administrator.',
  OIDC_ALREADY_LINKED:
    'That identity-provider account is already linked to another account here, so it was not linked to ' +
    'yours. Sign in with it to use that account, or ask an administrator.',
  OIDC_EMAIL_UNPROVEN:
    'An account here already uses your email address, but that address has not been confirmed for it, ' +
    'so your identity-provider account was not linked to it. If the account is yours, sign in with its ' +
    'password and link the provider from your account page. If it is not, ask an administrator.',
  OIDC_LOGIN_FAILED: `Sign-in with the identity provider failed. Start again from this page. ${ASK_ADMIN}`,
};

export function isOidcErrorCode(value: unknown): value is OidcErrorCode {
  return typeof value === 'string' && (OIDC_ERROR_CODES as readonly string[]).includes(value);
}

/** The message for `?oidc_error=`; unknown values get the generic one (their text is never shown). */
export function describeOidcError(code: string): string {
  return isOidcErrorCode(code) ? OIDC_ERROR_MESSAGES[code] : OIDC_ERROR_MESSAGES.OIDC_LOGIN_FAILED;
}
