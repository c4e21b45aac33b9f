/**
 * The shape of an API key: gh_<key id>_<secret>. The key id (16 base32 characters, 80 bits)
 * finds the row and is shown to recognise the key; the secret (32 random bytes, base64url) is
 * never stored, only its SHA-256 — a random 256-bit secret needs no slow hash, as nobody can
 * search its space.
 */
import crypto from 'node:crypto';
import { API_KEY_PREFIX } from '@gatehouse/shared';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const KEY_PATTERN = /^gh_([a-z2-7]{16})_([A-Za-z0-9_-]{43})$/;

export interface ParsedApiKey {
  keyId: string;
  secret: string;
}

export function createApiKey(): { key: string; keyId: string; secretHash: string } {
  const keyId = Array.from(crypto.randomBytes(16), (byte) => ALPHABET[byte % 32]).join('');
  const secret = crypto.randomBytes(32).toString('base64url');
  return { key: `${API_KEY_PREFIX}${keyId}_${secret}`, keyId, secretHash: hashSecret(secret) };
}

/** Its parts, or null for anything that is not a well-formed key (refused before any database work). */
export function parseApiKey(token: string): ParsedApiKey | null {
  const match = KEY_PATTERN.exec(token);
  return match ? { keyId: match[1]!, secret: match[2]! } : null;
}

/** Whether a bearer token is meant as an API key (well-formed or not). */
export function looksLikeApiKey(token: string): boolean {
  return token.startsWith(API_KEY_PREFIX);
}

export function hashSecret(secret: string): string {
  return crypto.createHash('sha256').update(secret).digest('hex');
}

/** Constant-time comparison of the secret's hash with the stored one. */
export function isSecretOf(secret: string, secretHash: string): boolean {
  const given = Buffer.from(hashSecret(secret), 'hex');
  const stored = Buffer.from(secretHash, 'hex');
  return given.length === stored.length && crypto.timingSafeEqual(given, stored);
}

/** What the key is shown as once it is made: its prefix and id. */
export const displayPrefix = (keyId: string) => `${API_KEY_PREFIX}${keyId}`;
