/**
 * TOTP (RFC 6238) as authenticator apps do it: SHA-1, six digits, 30-second steps, via otpauth.
 * A code is accepted for the step before and after the current one (clock drift), and only for a
 * step later than the last accepted one, so a code once used (or observed) cannot be used again.
 */
import crypto from 'node:crypto';
import { Secret, TOTP } from 'otpauth';

const PERIOD_SECONDS = 30;
const DIGITS = 6;
/** Steps either side of now that still count (one: a code typed as it changes still works). */
const DRIFT_STEPS = 1;

export function createTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

function totpOf(secretBase32: string, issuer = '', label = ''): TOTP {
  return new TOTP({ issuer, label, algorithm: 'SHA1', digits: DIGITS, period: PERIOD_SECONDS, secret: Secret.fromBase32(secretBase32) });
}

/** The otpauth:// URI an authenticator app reads from the QR code. */
export function buildOtpauthUrl(secretBase32: string, issuer: string, accountName: string): string {
  return totpOf(secretBase32, issuer, accountName).toString();
}

/** The code for `at` (tests compute the codes a person's app would show). */
export function generateTotpCode(secretBase32: string, at: Date): string {
  return totpOf(secretBase32).generate({ timestamp: at.getTime() });
}

/** Digits only: apps show "123 456", people paste it with the space. */
export function normalizeTotpCode(code: string): string {
  return code.replace(/\s/g, '');
}

/**
 * The step `code` belongs to, if it is valid at `now` within the drift and later than
 * `lastUsedStep`; else null. Newer steps are tried first, each compared in constant time.
 */
export function findTotpStep(secretBase32: string, code: string, now: Date, lastUsedStep: bigint | null): bigint | null {
  const given = Buffer.from(normalizeTotpCode(code));
  if (given.length !== DIGITS) return null;
  const totp = totpOf(secretBase32);
  const current = Math.floor(now.getTime() / 1000 / PERIOD_SECONDS);
  for (let step = current + DRIFT_STEPS; step >= current - DRIFT_STEPS; step -= 1) {
    if (lastUsedStep !== null && BigInt(step) <= lastUsedStep) break;
    const expected = Buffer.from(totp.generate({ timestamp: step * PERIOD_SECONDS * 1000 }));
    if (crypto.timingSafeEqual(given, expected)) return BigInt(step);
  }
  return null;
}

/**
 * Encrypts TOTP secrets at rest (AES-256-GCM) with a key derived from auth.token_secret for this
 * purpose alone: a database dump without the config does not reveal them. Changing token_secret
 * makes stored secrets unreadable, and those accounts need a reset of their second factor.
 */
export function createSecretBox(tokenSecret: string) {
  const key = crypto.createHmac('sha256', tokenSecret).update('gatehouse:totp-secret-key').digest();
  return {
    seal(plain: string): string {
      const iv = crypto.randomBytes(12);
      const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
      const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), sealed.toString('base64url')].join('.');
    },
    /** Null when it was sealed with another key or altered. */
    open(sealed: string): string | null {
      const [version, iv, tag, data] = sealed.split('.');
      if (version !== 'v1' || !iv || !tag || data === undefined) return null;
      try {
        const decipher = crypto.createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        return null;
      }
    },
  };
}
