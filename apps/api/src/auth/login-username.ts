/**
 * What a failed sign-in may remember of the username typed. People type passwords into the email
 * field; a string that is not an address therefore never reaches the audit trail, a log line or a
 * brake key, only the fact that it was not one.
 */

/** Recorded in place of a username that is not a well-formed email address. */
export const NOT_AN_EMAIL = 'not_an_email';

// One local part, one @, and a domain of at least two non-empty labels; no whitespace, no control
// characters. "P@ssw0rd!" (a password with an @) is not an address by this rule.
// eslint-disable-next-line no-control-regex -- control characters are what it rejects
const WELL_FORMED_EMAIL = /^[^\s@\u0000-\u001f\u007f]+@[^\s@.\u0000-\u001f\u007f]+(\.[^\s@.\u0000-\u001f\u007f]+)+$/u;

/** Whether a normalized username is a well-formed email address (at most 254 characters). */
export function isWellFormedEmail(normalized: string): boolean {
  return normalized.length <= 254 && WELL_FORMED_EMAIL.test(normalized);
}
