/**
 * Usernames for accounts that an identity provider creates, as PhotoPrism makes them: a lower-case
 * handle from the configured claim ("Jens Mander" -> "jens.mander"); when it is taken, a random
 * 6-digit number is appended.
 */
import crypto from 'node:crypto';
import type { OidcUsernameClaim } from '../config/types.js';

const MAX_LENGTH = 32;
const FALLBACK = 'user';

/** A handle: lower case, spaces to dots, only [a-z0-9._-], no doubled or edge dots. */
export function toUsernameHandle(value: string): string {
  const handle = value
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '') // accents: "José" -> "jose"
    .toLowerCase()
    .trim()
    .replace(/\s+/g, '.')
    .replace(/[^a-z0-9._-]/g, '')
    .replace(/\.{2,}/g, '.')
    .replace(/^[._-]+|[._-]+$/g, '')
    .slice(0, MAX_LENGTH)
    .replace(/[._-]+$/g, '');
  return handle;
}

/** The handle for a new account from the claims; falls back to the email's local part, then "user". */
export function chooseUsername(claims: Readonly<Record<string, unknown>>, claim: OidcUsernameClaim, email: string): string {
  const raw = claims[claim];
  const source = typeof raw === 'string' ? (claim === 'email' ? (raw.split('@')[0] ?? '') : raw) : '';
  return toUsernameHandle(source) || toUsernameHandle(email.split('@')[0] ?? '') || FALLBACK;
}

/** "jens.mander" -> "jens.mander042917": for when the handle is taken. */
export function withRandomSuffix(handle: string): string {
  const suffix = crypto.randomInt(0, 1_000_000).toString().padStart(6, '0');
  return handle.slice(0, MAX_LENGTH - suffix.length) + suffix;
}
