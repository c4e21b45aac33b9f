/**
 * OpenID Connect sign-in, the names the API and the login page share. The failure codes a callback
 * can end with (`/login?oidc_error=CODE`) and their messages are in oidc-errors.ts: the login page
 * needs those only after a failed sign-in, and loads them then.
 */

/** Short-lived, signed, single-use cookie binding state, nonce and PKCE verifier to the browser. */
export const OIDC_TRANSACTION_COOKIE = 'gatehouse_oidc';

/** The query parameter on /login that carries a failed sign-in's code. */
export const OIDC_ERROR_PARAM = 'oidc_error';
