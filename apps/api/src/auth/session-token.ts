import crypto from 'node:crypto';
import jwt from 'jsonwebtoken';

const ISSUER = 'gatehouse';
const AUDIENCE = 'gatehouse:session';

export interface SessionClaims {
  /** User id. */
  sub: string;
  /** Session id: the row in `sessions` that must still be live for the token to count. */
  sid: string;
}

/** HS256 JWT carrying the session id; expiry = the session's. */
/**
 * The signing key as a KeyObject, made once: handed the secret as a string, jsonwebtoken builds a
 * key from it on every sign and verify, which costs more than the HMAC itself (about 40x slower
 * verification, measured with bench/).
 */
export function createSessionTokenKey(secret: string): crypto.KeyObject {
  return crypto.createSecretKey(Buffer.from(secret, 'utf8'));
}

export function signSessionToken(
  claims: SessionClaims,
  secret: string | crypto.KeyObject,
  issuedAt: Date,
  expiresAt: Date,
): string {
  return jwt.sign(
    {
      sub: claims.sub,
      sid: claims.sid,
      iat: Math.floor(issuedAt.getTime() / 1000),
      exp: Math.floor(expiresAt.getTime() / 1000),
    },
    secret,
    { algorithm: 'HS256', issuer: ISSUER, audience: AUDIENCE, noTimestamp: true },
  );
}

/**
 * Verifies signature (HS256 only: `alg: none` and algorithm confusion are refused by pinning),
 * issuer, audience and expiry, and requires `exp`. Returns null for anything not valid.
 */
export function verifySessionToken(token: string, secret: string | crypto.KeyObject, now: Date): SessionClaims | null {
  try {
    const payload = jwt.verify(token, secret, {
      algorithms: ['HS256'],
      issuer: ISSUER,
      audience: AUDIENCE,
      clockTimestamp: Math.floor(now.getTime() / 1000),
    });
    if (typeof payload !== 'object' || payload === null) return null;
    const { sub, sid, exp } = payload as Record<string, unknown>;
    if (typeof exp !== 'number' || typeof sub !== 'string' || typeof sid !== 'string') return null;
    return { sub, sid };
  } catch {
    return null;
  }
}

/**
 * The CSRF token for a cookie session: an HMAC of the session id, so it needs no storage and is
 * worthless for any other session (signed double-submit cookie, as OWASP describes it).
 */
export function deriveCsrfToken(sessionId: string, secret: string): string {
  return crypto.createHmac('sha256', secret).update(`csrf:${sessionId}`).digest('base64url');
}

export function isSameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && crypto.timingSafeEqual(left, right);
}
