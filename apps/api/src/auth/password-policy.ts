import { createRequire } from 'node:module';
import { checkPasswordLength, type PasswordProblem } from '@gatehouse/shared';

const require = createRequire(import.meta.url);

// zxcvbn-ts' list of ~49,000 passwords seen most often in breaches. Entries shorter than the
// minimum length are refused by the length rule anyway, so only the rest are kept. Unpacked when
// a password is first set, not at start-up (~30 ms of it on the 2-core machine).
let commonPasswords: ReadonlySet<string> | undefined;
function readCommonPasswords(): ReadonlySet<string> {
  if (commonPasswords === undefined) {
    const { dictionary } = require('@zxcvbn-ts/language-common') as typeof import('@zxcvbn-ts/language-common');
    commonPasswords = new Set(dictionary['passwords-common'].filter((password) => password.length >= 8));
  }
  return commonPasswords;
}

/**
 * The password rules for every place a password is set (registration, admin, profile, reset):
 * at least 8 characters, at most 72 bytes of UTF-8 (bcrypt's limit — refused, never truncated),
 * not one of the most common passwords, and not the account's own email.
 */
export function findPasswordProblem(password: string, email?: string): PasswordProblem | null {
  const lengthProblem = checkPasswordLength(password);
  if (lengthProblem) return lengthProblem;
  const lowered = password.toLowerCase();
  if (readCommonPasswords().has(lowered)) return 'too_common';
  if (email && lowered === email.toLowerCase()) return 'too_common';
  return null;
}
