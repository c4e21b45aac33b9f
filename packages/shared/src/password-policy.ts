/** Password rules shared by the API (which enforces them) and the web UI (which explains them). */
export const PASSWORD_MIN_LENGTH = 8;
/** bcrypt only reads the first 72 bytes; longer passwords are refused, never silently truncated. */
export const PASSWORD_MAX_BYTES = 72;

export type PasswordProblem = 'too_short' | 'too_long' | 'too_common';

export function describePasswordProblem(problem: PasswordProblem): string {
  switch (problem) {
    case 'too_short':
      return `Password must be at least ${PASSWORD_MIN_LENGTH} characters long.`;
    case 'too_long':
      return `Password must be at most ${PASSWORD_MAX_BYTES} bytes long (UTF-8).`;
    case 'too_common':
      return 'This password is too common. Choose one that is harder to guess.';
  }
}

/** Length checks only; the common-password list lives on the server. */
export function checkPasswordLength(password: string): PasswordProblem | null {
  if ([...password].length < PASSWORD_MIN_LENGTH) return 'too_short';
  if (new TextEncoder().encode(password).length > PASSWORD_MAX_BYTES) return 'too_long';
  return null;
}
