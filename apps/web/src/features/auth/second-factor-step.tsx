import { useState, type FormEvent } from 'react';
import { useMutation } from '@tanstack/react-query';
import { ErrorCode, type SecondFactorLoginRequest } from '@gatehouse/shared';
import { useApi } from '../../api/api-context';
import { ApiError } from '../../api/api-error';
import { readField } from '../../ui/form-data';
import { ErrorAlert } from '../../ui/messages';
import { TextField } from '../../ui/text-field';
import { AuthenticatorCodeField, findCodeProblem } from './authenticator-code-field';

/** What the person typed, if it can be a code at all; else what to tell them. */
function checkCode(value: string, isRecoveryCode: boolean): string | null {
  if (isRecoveryCode) return value === '' ? 'Enter one of your recovery codes.' : null;
  return findCodeProblem(value);
}

/**
 * The second step of signing in, for an account with an authenticator app: the password (or the
 * identity provider) was right and the server keeps that sign-in waiting, for 5 minutes, in an
 * HttpOnly cookie. The code from the app, or one recovery code, completes it. A wrong code can be
 * tried again; a sign-in that expired (or had too many wrong codes) starts again with the password.
 */
export function SecondFactorStep({ onSignedIn, onStartAgain }: { onSignedIn: () => Promise<void>; onStartAgain: (reason: string | null) => void }) {
  const api = useApi();
  const [isRecoveryCode, setIsRecoveryCode] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const verify = useMutation({
    mutationFn: (body: SecondFactorLoginRequest) => api.call('cookieSecondFactor', { body }),
    onSuccess: onSignedIn,
    onError: (error) => {
      if (error instanceof ApiError && error.code === ErrorCode.SECOND_FACTOR_EXPIRED) onStartAgain(error.message);
    },
  });
  const field = isRecoveryCode ? 'recovery_code' : 'code';
  const fieldError = problem ?? (verify.error instanceof ApiError ? verify.error.messageForField(field) : undefined);

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const input = event.currentTarget.elements.namedItem(field) as HTMLInputElement;
    const value = readField(new FormData(event.currentTarget), field);
    const found = checkCode(value, isRecoveryCode);
    setProblem(found);
    if (found) {
      verify.reset();
      return;
    }
    // A wrong code stays selected: typing the next one replaces it.
    verify.mutate(isRecoveryCode ? { recovery_code: value } : { code: value }, { onError: () => input.select() });
  }

  function switchMethod() {
    verify.reset();
    setProblem(null);
    setIsRecoveryCode(!isRecoveryCode);
  }

  return (
    <form className="stack" onSubmit={handleSubmit} noValidate aria-labelledby="second-factor-heading">
      <h2 id="second-factor-heading">Two-step sign-in</h2>
      <ErrorAlert error={fieldError ? undefined : verify.error} />
      {isRecoveryCode ? (
        <TextField
          key="recovery_code"
          id="recovery-code"
          name="recovery_code"
          label="Recovery code"
          hint="One of the codes you saved when you set up your authenticator app. Each works once."
          autoComplete="off"
          autoCapitalize="none"
          spellCheck={false}
          autoFocus
          required
          error={fieldError}
        />
      ) : (
        <AuthenticatorCodeField key="code" id="one-time-code" error={fieldError} autoFocus />
      )}
      <button type="submit" className="button" disabled={verify.isPending} aria-busy={verify.isPending}>
        Verify
      </button>
      <div className="button-row">
        <button type="button" className="button button-secondary" disabled={verify.isPending} onClick={switchMethod}>
          {isRecoveryCode ? 'Use your authenticator app instead' : 'Use a recovery code instead'}
        </button>
        <button type="button" className="button button-secondary" disabled={verify.isPending} onClick={() => onStartAgain(null)}>
          Start again
        </button>
      </div>
    </form>
  );
}
