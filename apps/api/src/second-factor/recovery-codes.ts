/**
 * Recovery codes: ten per account, each ten random base32 characters (50 bits) shown as
 * "abcde-fghij". Being random, not chosen by a person, a SHA-256 is enough to store them: nobody
 * can search 2^50 candidates per code online, and the brakes stop anyone trying.
 */
import crypto from 'node:crypto';

export const RECOVERY_CODE_COUNT = 10;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

export function createRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const chars = Array.from(crypto.randomBytes(10), (byte) => ALPHABET[byte % 32]).join('');
    return `${chars.slice(0, 5)}-${chars.slice(5)}`;
  });
}

/** What a person may type: any case, with or without the dash, spaces anywhere. */
export function hashRecoveryCode(code: string): string {
  const normalized = code.toLowerCase().replace(/[\s-]/g, '');
  return crypto.createHash('sha256').update(`gatehouse-recovery:${normalized}`).digest('hex');
}
