/**
 * Passkeys in the browser, through @simplewebauthn/browser: it turns the server's WebAuthn options
 * (JSON, with base64url strings) into what navigator.credentials takes, and the browser's answer
 * back into the JSON the server checks. Only its request half is here, which the sign-in page
 * needs at once (the autofill request starts as the page opens); the account page's creation half
 * loads with that page.
 */
import {
  browserSupportsWebAuthn,
  browserSupportsWebAuthnAutofill,
  startAuthentication,
  WebAuthnAbortService,
  WebAuthnError,
} from '@simplewebauthn/browser';
import type { PasskeySignInRequest, WebauthnOptions } from '@gatehouse/shared';
import { ApiError } from '../../api/api-error';

/** A passkey's answer (AuthenticationResponseJSON), as the API takes it. */
export type PasskeyAnswer = PasskeySignInRequest['response'];

/** This browser can use passkeys at all (WebAuthn); else no passkey button is worth showing. */
export const browserHasPasskeys: () => boolean = browserSupportsWebAuthn;

/** This browser lists passkeys in a field's autofill (conditional mediation). */
export const browserOffersPasskeysInAutofill: () => Promise<boolean> = browserSupportsWebAuthnAutofill;

/**
 * The browser's passkey prompt for request options from the server: a discoverable sign-in (any
 * passkey of this site) or, with allowCredentials, one account's passkeys. `inAutofill` waits
 * instead, with no prompt, until the person picks a passkey in the autofill of a field whose
 * autocomplete ends in "webauthn".
 */
export async function answerWithPasskey(options: WebauthnOptions, inAutofill = false): Promise<PasskeyAnswer> {
  return {
    ...(await startAuthentication({ optionsJSON: options, useBrowserAutofill: inAutofill })),
  };
}

/**
 * Ends the passkey request waiting now, if any. The library holds one AbortController for the one
 * request a page may have at a time (starting another aborts the one before, too).
 */
export function cancelPasskeyRequest(): void {
  WebAuthnAbortService.cancelCeremony();
}

/** The browser's passkey request ended because the page cancelled it: nothing to tell anyone. */
export function isCancelledByPage(error: unknown): boolean {
  return error instanceof WebAuthnError && error.code === 'ERROR_CEREMONY_ABORTED';
}

const DISMISSED = 'No passkey was used: the request was cancelled or timed out.';

/**
 * What went wrong with a passkey, for ErrorAlert: the server's answer as it is; the browser's
 * refusal in words (closing its prompt, or it timing out, is the usual one; browsers say no more,
 * on purpose). `otherwise` for anything else the browser reports.
 */
export function describePasskeyProblem(error: unknown, otherwise = 'The passkey could not be used. Try again, or sign in another way.'): unknown {
  if (error === null || error instanceof ApiError) return error;
  if (isCancelledByPage(error)) return null;
  // The library's WebAuthnError takes the name of the browser's DOMException, which it wraps.
  return error instanceof Error && error.name === 'NotAllowedError' ? DISMISSED : otherwise;
}
