import { useState, type FormEvent } from 'react';
import { useMutation } from '@tanstack/react-query';
import { ErrorCode, type SecondFactorLoginRequest } from '@gatehouse/shared';
import { useApi } from '../../api/api-context';
import { ApiError, type SecondFactorMethod } from '../../api/api-error';
import { readField } from '../../ui/form-data';
import { ErrorAlert } from '../../ui/messages';
import { TextField } from '../../ui/text-field';
import { AuthenticatorCodeField, findCodeProblem } from './authenticator-code-field';
import { answerWithPasskey, describePasskeyProblem } from './passkey';

/** What the person typed, if it can be a code at all; else what to tell them. */
function checkCode(value: string, isRecoveryCode: boolean): string | null {
  if (isRecoveryCode) return value === '' ? 'Enter one of your recovery codes.' : null;
  return findCodeProblem(value);
}

/**
 * The second step of signing in: the password (or the identity provider) was right and the server
 * keeps that sign-in waiting, for 5 minutes, in an HttpOnly cookie. What completes it is one of the
 * account's `methods`: the code from its authenticator app, or one recovery code (the form), or one
 * of its passkeys ("Use a passkey"). `methods` is null when not known (after single sign-on): then
 * both are offered, and the server says which the account lacks. A wrong code can be tried again;
 * a sign-in that expired (or had too many wrong codes) starts again with the password.
 */
export function SecondFactorStep({
  methods,
  offersPasskeys,
  onSignedIn,
  onStartAgain,
}: {
  methods: readonly SecondFactorMethod[] | null;
  /** Passkeys are on at the server and this browser has them. */
  offersPasskeys: boolean;
  onSignedIn: () => Promise<void>;
  onStartAgain: (reason: string | null) => void;
}) {
  const api = useApi();
  const [isRecoveryCode, setIsRecoveryCode] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const hasCode = methods === null || methods.includes('totp');
  const hasPasskey = methods === null || methods.includes('webauthn');
  const onError = (error: Error) => {
    if (error instanceof ApiError && error.code === ErrorCode.SECOND_FACTOR_EXPIRED) onStartAgain(error.message);
  };
  const verify = useMutation({
    mutationFn: (body: SecondFactorLoginRequest) => api.call('cookieSecondFactor', { body }),
    onMutate: (): void => withPasskey.reset(),
    onSuccess: onSignedIn,
    onError,
  });
  // The options name the account's passkeys: the browser offers only those.
  const withPasskey = useMutation({
    mutationFn: async () => {
      const webauthn = await answerWithPasskey(await api.call('cookieSecondFactorPasskeyOptions'));
      await api.call('cookieSecondFactor', { body: { webauthn } });
    },
    onMutate: (): void => {
      verify.reset();
      setProblem(null);
    },
    onSuccess: onSignedIn,
    onError,
  });
  const isBusy = verify.isPending || withPasskey.isPending;
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
    <section className="stack" aria-labelledby="second-factor-heading">
      <h2 id="second-factor-heading">Two-step sign-in</h2>
      <ErrorAlert error={fieldError ? undefined : (verify.error ?? describePasskeyProblem(withPasskey.error))} />
      {!hasCode &&
        (offersPasskeys ? (
          <p>Use one of your passkeys to finish signing in.</p>
        ) : (
          <p>Your account finishes signing in with a passkey, and this browser cannot use passkeys. Use one that can, or start again.</p>
        ))}
      {hasCode && (
        <form className="stack" onSubmit={handleSubmit} noValidate>
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
          <button type="submit" className="button" disabled={isBusy} aria-busy={verify.isPending}>
            Verify
          </button>
        </form>
      )}
      <div className="button-row">
        {hasPasskey && offersPasskeys && (
          <button
            type="button"
            className={hasCode ? 'button button-secondary' : 'button'}
            disabled={isBusy}
            aria-busy={withPasskey.isPending}
            onClick={() => withPasskey.mutate()}
          >
            Use a passkey
          </button>
        )}
        {hasCode && (
          <button type="button" className="button button-secondary" disabled={isBusy} onClick={switchMethod}>
            {isRecoveryCode ? 'Use your authenticator app instead' : 'Use a recovery code instead'}
          </button>
        )}
        <button type="button" className="button button-secondary" disabled={isBusy} onClick={() => onStartAgain(null)}>
          Start again
        </button>
      </div>
    </section>
  );
}
