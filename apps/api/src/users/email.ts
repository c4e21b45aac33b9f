import { AppError } from '../http/app-error.js';
import { isUniqueViolationOn } from '../db/prisma-errors.js';

/**
 * The one normal form of an email address: trimmed, Unicode NFC, lower-cased. Uniqueness,
 * admin_emails matching and lookups all use it, so "Admin@Example.com " is admin@example.com.
 */
export function normalizeEmail(email: string): string {
  return email.trim().normalize('NFC').toLowerCase();
}

/** Scripts whose letters look alike (a, а, α): mixing them inside one part of an address is a spoof. */
const CONFUSABLE_SCRIPTS = [/\p{Script=Latin}/u, /\p{Script=Cyrillic}/u, /\p{Script=Greek}/u];

/**
 * Why a new address (registration, a change, an admin creating an account) is refused, or null.
 * Mixed Latin/Cyrillic/Greek letters within the local part or one domain label (UTS #39's
 * mixed-script test, reduced to the scripts that are confusable in practice) would let
 * "pаypal@example.com" pass for someone else's account in lists and emails.
 */
export function findNewEmailProblem(email: string): string | null {
  const [local = '', domain = ''] = normalizeEmail(email).split('@');
  for (const part of [local, ...domain.split('.')]) {
    const scripts = CONFUSABLE_SCRIPTS.filter((script) => script.test(part));
    if (scripts.length > 1)
      return 'The address mixes letters from different alphabets (e.g. Latin and Cyrillic) in one part; type it in one alphabet.';
  }
  return null;
}

/** normalizeEmail for a new address, refusing look-alike ones with a 422 naming the field. */
export function normalizeNewEmail(email: string): string {
  const problem = findNewEmailProblem(email);
  if (problem) throw new AppError('VALIDATION_ERROR', `email: ${problem}`, { fieldErrors: [{ field: 'email', message: problem }] });
  return normalizeEmail(email);
}

/**
 * Creating an account whose address another account has: told by the unique constraint, so two
 * sign-ups racing for one address get the same answer as a sequential one.
 */
export function rethrowIfAccountExists(error: unknown): never {
  if (isUniqueViolationOn(error, 'users_email_key')) {
    throw new AppError('REGISTER_USER_ALREADY_EXISTS', 'An account with this email already exists.');
  }
  throw error;
}
