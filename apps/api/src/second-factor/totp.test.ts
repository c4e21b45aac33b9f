import { describe, expect, it } from '@jest/globals';
import { createRecoveryCodes, hashRecoveryCode } from './recovery-codes.js';
import { createSecretBox, createTotpSecret, findTotpStep, generateTotpCode } from './totp.js';

describe('TOTP codes', () => {
  // RFC 6238 appendix B, SHA-1: the secret "12345678901234567890" (base32 below) at 59 s is 94287082; six digits: 287082.
  const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

  it('matches the RFC 6238 test vector', () => {
    expect(generateTotpCode(RFC_SECRET, new Date(59_000))).toBe('287082');
    expect(generateTotpCode(RFC_SECRET, new Date(1_111_111_109_000))).toBe('081804');
  });

  it('accepts one step of drift either way, only later than the last used step, with or without the space', () => {
    const secret = createTotpSecret();
    const now = new Date('2026-12-06T12:00:10Z');
    const step = BigInt(Math.floor(now.getTime() / 30_000));
    expect(findTotpStep(secret, generateTotpCode(secret, now), now, null)).toBe(step);
    const code = generateTotpCode(secret, new Date(now.getTime() - 30_000));
    expect(findTotpStep(secret, `${code.slice(0, 3)} ${code.slice(3)}`, now, null)).toBe(step - 1n);
    expect(findTotpStep(secret, generateTotpCode(secret, new Date(now.getTime() + 30_000)), now, null)).toBe(step + 1n);
    expect(findTotpStep(secret, generateTotpCode(secret, new Date(now.getTime() - 60_000)), now, null)).toBeNull();
    expect(findTotpStep(secret, generateTotpCode(secret, now), now, step)).toBeNull();
    expect(findTotpStep(secret, '12345', now, null)).toBeNull();
  });
});

describe('the secret box', () => {
  it('opens what it sealed, and nothing sealed with another token_secret or altered', () => {
    const box = createSecretBox('a'.repeat(40));
    const sealed = box.seal('JBSWY3DPEHPK3PXP');
    expect(sealed).not.toContain('JBSWY3DPEHPK3PXP');
    expect(box.open(sealed)).toBe('JBSWY3DPEHPK3PXP');
    expect(createSecretBox('b'.repeat(40)).open(sealed)).toBeNull();
    expect(box.open(`${sealed.slice(0, -2)}AA`)).toBeNull();
    expect(box.open('garbage')).toBeNull();
  });
});

describe('recovery codes', () => {
  it('are ten distinct codes of fifty random bits, matched in any case with or without the dash', () => {
    const codes = createRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[a-z2-7]{5}-[a-z2-7]{5}$/);
    const [code] = codes;
    expect(hashRecoveryCode(code!.toUpperCase().replace('-', ' '))).toBe(hashRecoveryCode(code!));
    expect(hashRecoveryCode(code!)).not.toBe(hashRecoveryCode(codes[1]!));
  });
});
