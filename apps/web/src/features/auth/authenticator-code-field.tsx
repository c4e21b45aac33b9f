import { TextField } from '../../ui/text-field';

/** What is wrong with a typed authenticator code ("123 456" as apps show it is fine), if anything. */
export function findCodeProblem(value: string): string | null {
  return /^\d{6}$/.test(value.replace(/\s/g, '')) ? null : 'Enter the 6 digits your authenticator app shows.';
}

/** The six digits from an authenticator app: a number pad on phones, and the browser's one-time-code autofill. */
export function AuthenticatorCodeField({ id, error, autoFocus }: { id: string; error: string | undefined; autoFocus?: boolean }) {
  return (
    <TextField
      id={id}
      name="code"
      label="Authentication code"
      hint="The 6-digit code your authenticator app shows for this account."
      autoComplete="one-time-code"
      inputMode="numeric"
      pattern="[0-9 ]*"
      maxLength={7}
      autoFocus={autoFocus}
      required
      error={error}
    />
  );
}
