import { describe, expect, it } from '@jest/globals';
import {
  createForwardTokenKey,
  createForwardTokenVerifier,
  createSessionTokenKey,
  createTokenVerifier,
  signForwardToken,
  signSessionToken,
} from './session-token.js';

const SECRET = 'x'.repeat(64);
const claims = { sub: 'user-1', sid: 'session-1' };
const issuedAt = new Date('2026-01-01T00:00:00Z');
const expiresAt = new Date('2026-01-01T01:00:00Z');
const at = (iso: string) => new Date(iso);

describe('createTokenVerifier (verification remembered per token string)', () => {
  it('answers a token it has seen the same way until the token expires, and not after', () => {
    const key = createSessionTokenKey(SECRET);
    const verify = createTokenVerifier(key);
    const token = signSessionToken(claims, key, issuedAt, expiresAt);
    expect(verify(token, at('2026-01-01T00:10:00Z'))).toMatchObject(claims);
    expect(verify(token, at('2026-01-01T00:59:59Z'))).toMatchObject(claims);
    // jsonwebtoken's rule: expired once the clock reaches exp, remembered or not.
    expect(verify(token, expiresAt)).toBeNull();
    expect(verify(token, at('2026-01-01T02:00:00Z'))).toBeNull();
    expect(verify(token, at('2026-01-01T00:10:00Z'))).toMatchObject(claims);
  });

  it('never lets a remembered token vouch for another string: a changed signature or payload is refused', () => {
    const key = createSessionTokenKey(SECRET);
    const verify = createTokenVerifier(key);
    const token = signSessionToken(claims, key, issuedAt, expiresAt);
    const now = at('2026-01-01T00:10:00Z');
    expect(verify(token, now)).not.toBeNull();
    const [header, payload, signature] = token.split('.');
    const otherSignature = signature!.slice(0, -2) + (signature!.endsWith('AA') ? 'BB' : 'AA');
    expect(verify(`${header}.${payload}.${otherSignature}`, now)).toBeNull();
    const forgedPayload = Buffer.from(JSON.stringify({ ...claims, sub: 'admin', iss: 'gatehouse', aud: 'gatehouse:session', exp: 1e10 })).toString(
      'base64url',
    );
    expect(verify(`${header}.${forgedPayload}.${signature}`, now)).toBeNull();
    expect(verify(`${token} `, now)).toBeNull();
  });

  it('keeps session tokens and ForwardAuth tokens apart, each verifier with its own key and audience', () => {
    const sessionKey = createSessionTokenKey(SECRET);
    const forwardKey = createForwardTokenKey(SECRET);
    const verifySession = createTokenVerifier(sessionKey);
    const verifyForward = createForwardTokenVerifier(forwardKey);
    const now = at('2026-01-01T00:10:00Z');
    const sessionToken = signSessionToken(claims, sessionKey, issuedAt, expiresAt);
    const forwardToken = signForwardToken(claims, forwardKey, issuedAt, expiresAt);
    expect(verifySession(sessionToken, now)).not.toBeNull();
    expect(verifyForward(forwardToken, now)).not.toBeNull();
    expect(verifyForward(sessionToken, now)).toBeNull();
    expect(verifySession(forwardToken, now)).toBeNull();
    // A token signed with the session key but for ForwardAuth's audience is still refused there.
    expect(verifyForward(signForwardToken(claims, sessionKey, issuedAt, expiresAt), now)).toBeNull();
  });
});
