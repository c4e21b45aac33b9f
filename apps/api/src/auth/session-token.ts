import crypto from 'node:crypto';
import jwt from 'jsonwebtoken';

const ISSUER = 'gatehouse';
const AUDIENCE = 'gatehouse:session';
/** ForwardAuth's own credential (the gatehouse_forward cookie): another audience, another key. */
const FORWARD_AUDIENCE = 'gatehouse:forward-auth';

export interface SessionClaims {
  /** User id. */
  sub: string;
  /** Session id: the row in `sessions` that must still be live for the token to count. */
  sid: string;
}

/** What a verified token says: its claims and its expiry (seconds since the epoch). */
export interface VerifiedClaims extends SessionClaims {
  exp: number;
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

/**
 * The key of ForwardAuth's credential, derived from token_secret for that purpose alone: a forward
 * token never verifies as a session token (nor the reverse), even if the audience check were lost.
 */
export function createForwardTokenKey(secret: string): crypto.KeyObject {
  return derivePurposeKey(secret, 'gatehouse:forward-auth-key');
}

/** A key derived from token_secret for one kind of token alone (see createForwardTokenKey). */
export function derivePurposeKey(secret: string, purpose: string): crypto.KeyObject {
  return crypto.createSecretKey(crypto.createHmac('sha256', secret).update(purpose).digest());
}

export function signSessionToken(
  claims: SessionClaims,
  secret: string | crypto.KeyObject,
  issuedAt: Date,
  expiresAt: Date,
  audience: string = AUDIENCE,
): string {
  return jwt.sign(
    {
      sub: claims.sub,
      sid: claims.sid,
      iat: Math.floor(issuedAt.getTime() / 1000),
      exp: Math.floor(expiresAt.getTime() / 1000),
    },
    secret,
    { algorithm: 'HS256', issuer: ISSUER, audience, noTimestamp: true },
  );
}

/**
 * Verifies signature (HS256 only: `alg: none` and algorithm confusion are refused by pinning),
 * issuer, audience and expiry, and requires `exp`. Returns null for anything not valid.
 */
export function verifySessionToken(token: string, secret: string | crypto.KeyObject, now: Date, audience: string = AUDIENCE): VerifiedClaims | null {
  try {
    const payload = jwt.verify(token, secret, {
      algorithms: ['HS256'],
      issuer: ISSUER,
      audience,
      clockTimestamp: Math.floor(now.getTime() / 1000),
    });
    if (typeof payload !== 'object' || payload === null) return null;
    const { sub, sid, exp } = payload as Record<string, unknown>;
    if (typeof exp !== 'number' || typeof sub !== 'string' || typeof sid !== 'string') return null;
    return { sub, sid, exp };
  } catch {
    return null;
  }
}

/** Enough for every live token of a large home server; past it the memo starts over. */
const MAX_VERIFIED_TOKENS = 10_000;

/**
 * verifySessionToken for one key and audience, remembering the tokens that passed: the same token
 * string under the same key verifies the same way every time, so a token seen before costs a map
 * lookup and an expiry check instead of decoding, parsing and an HMAC (jsonwebtoken's verify was
 * the largest part of a cached session check, which is every request to /users/me and ForwardAuth).
 * Only tokens that verified in full are remembered, each until its own `exp`; whether the session
 * it names is still live is not a property of the token and is checked on every request as before.
 */
export function createTokenVerifier(key: crypto.KeyObject, audience: string = AUDIENCE) {
  const verified = new Map<string, VerifiedClaims>();
  return (token: string, now: Date): SessionClaims | null => {
    const known = verified.get(token);
    if (known) {
      // jsonwebtoken's rule: expired once the clock reaches exp.
      if (Math.floor(now.getTime() / 1000) < known.exp) return known;
      verified.delete(token);
      return null;
    }
    const claims = verifySessionToken(token, key, now, audience);
    if (claims) {
      if (verified.size >= MAX_VERIFIED_TOKENS) verified.clear();
      verified.set(token, claims);
    }
    return claims;
  };
}

export const createForwardTokenVerifier = (key: crypto.KeyObject) => createTokenVerifier(key, FORWARD_AUDIENCE);

/**
 * ForwardAuth's credential for a cookie session: names the session (so signing out or revoking it
 * ends this too) and expires with it, but is accepted only by GET /auth/forward.
 */
export function signForwardToken(claims: SessionClaims, key: crypto.KeyObject, issuedAt: Date, expiresAt: Date): string {
  return signSessionToken(claims, key, issuedAt, expiresAt, FORWARD_AUDIENCE);
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
