import { lazy, Suspense, useEffect, useRef, useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router-dom';
import { ErrorCode, type LoginRequest, type UserRead } from '@gatehouse/shared';
import { useApi } from '../../api/api-context';
import { ApiError, type SecondFactorMethod } from '../../api/api-error';
import { useAuthMetadata, useCurrentUser } from '../../api/hooks';
import { removeUserData } from '../../api/query-client';
import { queryKeys } from '../../api/query-keys';
import { readField } from '../../ui/form-data';
import { ErrorAlert, Loading } from '../../ui/messages';
import { TextField } from '../../ui/text-field';
import { useDocumentTitle } from '../../ui/use-document-title';
import { findAutoLaunchProvider, oauthAuthorizeUrl, readOidcErrorCode } from './oauth';
import {
  answerWithPasskey,
  browserHasPasskeys,
  browserOffersPasskeysInAutofill,
  cancelPasskeyRequest,
  describePasskeyProblem,
  type PasskeyAnswer,
} from './passkey';
import { isServerReturn, sanitizeReturnTo, toServerReturnUrl } from './return-to';

const COOKIE_NOT_KEPT = 'You were signed in, but your browser did not keep the session cookie. Allow cookies for this site and try again.';

// The code step loads only when a sign-in asks for it: most sign-ins never do, and the sign-in
// page's JavaScript has a budget (scripts/bundle-size.mjs).
const SecondFactorStep = lazy(async () => ({ default: (await import('./second-factor-step')).SecondFactorStep }));
// So do the messages of a failed single sign-on.
const OidcErrorAlert = lazy(async () => ({ default: (await import('./oidc-error-alert')).OidcErrorAlert }));

export function LoginPage() {
  useDocumentTitle('Sign in');
  const api = useApi();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [searchParams] = useSearchParams();
  const returnTo = sanitizeReturnTo(searchParams.get('returnTo'));
  const metadata = useAuthMetadata();
  const currentUser = useCurrentUser();
  const [problem, setProblem] = useState<string | null>(null);
  // An account with a second factor gives its code after the password; a sign-in through an
  // identity provider that requires one comes back here as ?second_factor=1 to give it.
  const [isAskingForCode, setIsAskingForCode] = useState(searchParams.has('second_factor'));
  // How the account can complete it, from the server's answer to the password (not known after single sign-on).
  const [secondFactorMethods, setSecondFactorMethods] = useState<readonly SecondFactorMethod[] | null>(null);
  // Counts the sign-in attempts that failed, each of which starts a new passkey autofill request.
  const [failures, setFailures] = useState(0);
  const countFailure = () => setFailures((count) => count + 1);
  // Between a step's success and leaving: the page itself goes on, not the "signed in already" check.
  const [isSigningIn, setIsSigningIn] = useState(false);

  /** Once either step has signed the person in: on to where they were going. */
  async function finishSignIn() {
    setIsSigningIn(true);
    // Whatever was cached belonged to whoever used this tab before.
    removeUserData(queryClient);
    await queryClient.refetchQueries({ queryKey: queryKeys.me, exact: true });
    const user = queryClient.getQueryData<UserRead | null>(queryKeys.me);
    if (!user) {
      setIsSigningIn(false);
      setIsAskingForCode(false);
      setProblem(COOKIE_NOT_KEPT);
      return;
    }
    if (isServerReturn(returnTo)) {
      window.location.assign(toServerReturnUrl(returnTo, document.baseURI));
      return;
    }
    void navigate(returnTo, { replace: true });
  }

  const signIn = useMutation({
    mutationFn: (body: LoginRequest) => api.call('cookieLogin', { body }),
    onSuccess: finishSignIn,
    onError: (error) => {
      const isSecondFactor = error instanceof ApiError && error.code === ErrorCode.SECOND_FACTOR_REQUIRED;
      if (isSecondFactor) setSecondFactorMethods(error.secondFactorMethods.length > 0 ? error.secondFactorMethods : null);
      setIsAskingForCode(isSecondFactor);
      countFailure();
    },
  });
  // Signing in with a passkey, no email typed: the passkey the person picked in the email field's
  // autofill, or else the one they choose in the browser's prompt. It is both factors (the server
  // requires user verification), so no second step follows.
  const passkeySignIn = useMutation({
    mutationFn: async (picked?: PasskeyAnswer) => {
      const response = picked ?? (await answerWithPasskey(await api.call('passkeySignInOptions')));
      await api.call('passkeySignIn', { body: { response } });
    },
    onSuccess: finishSignIn,
    onError: countFailure,
  });
  const { mutate: signInWithPasskey } = passkeySignIn;

  /** Back to the password form (the code step expired, or the person chose to): says why, if given. */
  function startAgain(reason: string | null) {
    signIn.reset();
    setProblem(reason);
    setIsAskingForCode(false);
  }

  // A failed single sign-on comes back as ?oidc_error=CODE; only the code's own message is shown.
  const oidcErrorCode = readOidcErrorCode(searchParams);
  const oidcError = oidcErrorCode !== null && (
    <Suspense fallback={null}>
      <OidcErrorAlert code={oidcErrorCode} />
    </Suspense>
  );
  // auto_launch: a visitor who is not signed in goes straight to the provider (?local=1 stays here),
  // unless the provider already sent them back here for their second factor.
  const autoLaunch =
    metadata.data && currentUser.data === null && !searchParams.has('second_factor')
      ? findAutoLaunchProvider(metadata.data.oidc_providers, searchParams)
      : null;
  useEffect(() => {
    if (autoLaunch) window.location.assign(oauthAuthorizeUrl(autoLaunch, returnTo));
  }, [autoLaunch, returnTo]);
  // Already signed in and sent here by ForwardAuth: straight back to the app that asked.
  const isLeavingForServer = Boolean(currentUser.data) && !isSigningIn && isServerReturn(returnTo);
  useEffect(() => {
    if (isLeavingForServer) window.location.assign(toServerReturnUrl(returnTo, document.baseURI));
  }, [isLeavingForServer, returnTo]);

  const options = metadata.data;
  const offersPasskeys = Boolean(options?.passkeys_enabled) && browserHasPasskeys();
  // While the password form waits for the person, a passkey request waits too, without a prompt:
  // browsers that can list passkeys in the email field's autofill do (conditional mediation). It
  // stops (`autofill`, aborted) as soon as they sign in another way, and starts again, with a new
  // challenge, when that fails (`failures`).
  const autofill = useRef<AbortController | null>(null);
  const isWaitingForPerson =
    offersPasskeys &&
    Boolean(options?.password_login_enabled) &&
    currentUser.data === null &&
    !autoLaunch &&
    !isAskingForCode &&
    !isSigningIn &&
    !signIn.isPending &&
    !passkeySignIn.isPending;
  useEffect(() => {
    if (!isWaitingForPerson) return;
    const controller = new AbortController();
    autofill.current = controller;
    controller.signal.addEventListener('abort', cancelPasskeyRequest);
    void (async () => {
      if (!(await browserOffersPasskeysInAutofill()) || controller.signal.aborted) return;
      const requestOptions = await api.call('passkeySignInOptions', { signal: controller.signal });
      if (controller.signal.aborted) return;
      const picked = await answerWithPasskey(requestOptions, true);
      if (!controller.signal.aborted) signInWithPasskey(picked);
    })().catch(() => {
      // No autofill offer this time (aborted, or the browser declined): the button still works.
    });
    return () => controller.abort();
  }, [isWaitingForPerson, failures, api, signInWithPasskey]);

  if (isLeavingForServer) return <Loading label="Taking you back…" />;
  // Signed in already: go on, unless there is a failure to explain (linking a provider from the
  // account page comes back here with ?oidc_error= when it fails).
  if (currentUser.data && oidcErrorCode !== null) {
    return (
      <div className="narrow stack">
        <h1>Sign in</h1>
        {oidcError}
        <p>
          <Link to={returnTo}>Back to your account</Link>
        </p>
      </div>
    );
  }
  if (currentUser.data && !isSigningIn) return <Navigate to={returnTo} replace />;
  // Until we know whether this browser is signed in, show neither the form nor a redirect: no
  // flash of the wrong page on reload.
  if (currentUser.isPending) {
    return (
      <div className="narrow">
        <h1>Sign in</h1>
        <Loading />
      </div>
    );
  }
  if (autoLaunch) {
    return (
      <div className="narrow">
        <h1>Sign in</h1>
        <Loading label={`Taking you to ${autoLaunch.name}…`} />
        <p className="aside">
          <a href="login?local=1">Sign in another way</a>
        </p>
      </div>
    );
  }

  if (isAskingForCode) {
    return (
      <div className="narrow">
        <h1>Sign in</h1>
        <Suspense fallback={<Loading />}>
          <SecondFactorStep methods={secondFactorMethods} offersPasskeys={offersPasskeys} onSignedIn={finishSignIn} onStartAgain={startAgain} />
        </Suspense>
      </div>
    );
  }

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    autofill.current?.abort();
    setProblem(null);
    passkeySignIn.reset();
    signIn.mutate({ username: readField(form, 'email'), password: readField(form, 'password', { trim: false }) });
  }

  function startPasskeySignIn() {
    autofill.current?.abort();
    setProblem(null);
    signIn.reset();
    signInWithPasskey(undefined);
  }

  return (
    <div className="narrow">
      <h1>Sign in</h1>
      {metadata.isPending && <Loading />}
      <ErrorAlert error={metadata.error} />
      {oidcError}
      <ErrorAlert error={problem} />
      {options && (
        <>
          {options.password_login_enabled ? (
            <form className="stack" onSubmit={handleSubmit} noValidate>
              <ErrorAlert error={signIn.error} />
              <TextField
                id="email"
                name="email"
                type="email"
                label="Email"
                // "webauthn": the browser may offer this site's passkeys in the field's autofill.
                autoComplete={offersPasskeys ? 'username webauthn' : 'username'}
                inputMode="email"
                autoCapitalize="none"
                spellCheck={false}
                required
              />
              <TextField id="password" name="password" type="password" label="Password" autoComplete="current-password" required />
              <button type="submit" className="button" disabled={signIn.isPending} aria-busy={signIn.isPending}>
                Sign in
              </button>
              {options.email_password_resets && (
                <p className="aside">
                  <Link to="/forgot-password">Forgot your password?</Link>
                </p>
              )}
            </form>
          ) : (
            options.oidc_providers.length === 0 &&
            !options.passkeys_enabled && <p>No way to sign in is enabled on this server. Ask the administrator.</p>
          )}

          {(offersPasskeys || options.oidc_providers.length > 0) && (
            <div className="stack oauth-providers">
              {options.password_login_enabled && <p className="divider">or</p>}
              {offersPasskeys && (
                <>
                  <ErrorAlert error={describePasskeyProblem(passkeySignIn.error)} />
                  <button
                    type="button"
                    className="button button-secondary"
                    disabled={passkeySignIn.isPending}
                    aria-busy={passkeySignIn.isPending}
                    onClick={startPasskeySignIn}
                  >
                    Sign in with a passkey
                  </button>
                </>
              )}
              {options.oidc_providers.map((provider) => (
                // A plain link: the API redirects the whole page to the identity provider.
                <a key={provider.name} className="button button-secondary" href={oauthAuthorizeUrl(provider, returnTo)}>
                  {provider.icon_url && <img className="provider-icon" src={provider.icon_url} alt="" width={20} height={20} />}
                  {provider.button_text}
                </a>
              ))}
            </div>
          )}

          {options.registration_enabled && (
            <p className="aside">
              New here? <Link to="/register">Create account</Link>
            </p>
          )}
        </>
      )}
    </div>
  );
}
