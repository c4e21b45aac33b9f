/** Password rules shared by the API (which enforces them) and the web UI (which explains them). */
export const PASSWORD_MIN_LENGTH = 8;
/** bcrypt only reads the first 72 bytes; longer passwords are refused, never silently truncated. */
export const PASSWORD_MAX_BYTES = 72;

export type PasswordProblem = 'too_short' | 'too_long' | 'too_common' | 'control_characters';

export function describePasswordProblem(problem: PasswordProblem): string {
  switch (problem) {
    case 'too_short':
      return `Password must be at least ${PASSWORD_MIN_LENGTH} characters long.`;
    case 'too_long':
      return `Password must be at most ${PASSWORD_MAX_BYTES} bytes long (UTF-8).`;
    case 'too_common':
      return 'This password is too common. Choose one that is harder to guess.';
    case 'control_characters':
      return 'Password must not contain control characters (such as NUL, tab or line breaks).';
  }
}

/**
 * Length and character checks; the common-password list lives on the server. Control characters
 * are refused: some bcrypt implementations stop at a NUL byte, and none of them can be typed
 * reliably on every device.
 */
export function checkPasswordLength(password: string): PasswordProblem | null {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(password)) return 'control_characters';
  if ([...password].length < PASSWORD_MIN_LENGTH) return 'too_short';
  if (new TextEncoder().encode(password).length > PASSWORD_MAX_BYTES) return 'too_long';
  return null;
}
