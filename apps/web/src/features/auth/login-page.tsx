import { useEffect, useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router-dom';
import type { LoginRequest, UserRead } from '@gatehouse/shared';
import { useApi } from '../../api/api-context';
import { useAuthMetadata, useCurrentUser } from '../../api/hooks';
import { removeUserData } from '../../api/query-client';
import { queryKeys } from '../../api/query-keys';
import { readField } from '../../ui/form-data';
import { ErrorAlert, Loading } from '../../ui/messages';
import { TextField } from '../../ui/text-field';
import { useDocumentTitle } from '../../ui/use-document-title';
import { findAutoLaunchProvider, oauthAuthorizeUrl, readOidcErrorMessage } from './oauth';
import { isServerReturn, sanitizeReturnTo, toServerReturnUrl } from './return-to';

const COOKIE_NOT_KEPT = 'You were signed in, but your browser did not keep the session cookie. Allow cookies for this site and try again.';

export function LoginPage() {
  useDocumentTitle('Sign in');
  const api = useApi();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [searchParams] = useSearchParams();
  const returnTo = sanitizeReturnTo(searchParams.get('returnTo'));
  const metadata = useAuthMetadata();
  const currentUser = useCurrentUser();
  const [cookieProblem, setCookieProblem] = useState(false);

  const signIn = useMutation({
    mutationFn: (body: LoginRequest) => api.call('cookieLogin', { body }),
    onSuccess: async () => {
      // Whatever was cached belonged to whoever used this tab before.
      removeUserData(queryClient);
      await queryClient.refetchQueries({ queryKey: queryKeys.me, exact: true });
      const user = queryClient.getQueryData<UserRead | null>(queryKeys.me);
      if (!user) {
        setCookieProblem(true);
        return;
      }
      if (isServerReturn(returnTo)) {
        window.location.assign(toServerReturnUrl(returnTo, document.baseURI));
        return;
      }
      void navigate(returnTo, { replace: true });
    },
  });

  // A failed single sign-on comes back as ?oidc_error=CODE; only the code's own message is shown.
  const oidcError = readOidcErrorMessage(searchParams);
  // auto_launch: a visitor who is not signed in goes straight to the provider (?local=1 stays here).
  const autoLaunch = metadata.data && currentUser.data === null ? findAutoLaunchProvider(metadata.data.oidc_providers, searchParams) : null;
  useEffect(() => {
    if (autoLaunch) window.location.assign(oauthAuthorizeUrl(autoLaunch, returnTo));
  }, [autoLaunch, returnTo]);
  // Already signed in and sent here by ForwardAuth: straight back to the app that asked.
  const isLeavingForServer = Boolean(currentUser.data) && !signIn.isPending && isServerReturn(returnTo);
  useEffect(() => {
    if (isLeavingForServer) window.location.assign(toServerReturnUrl(returnTo, document.baseURI));
  }, [isLeavingForServer, returnTo]);

  if (isLeavingForServer) return <Loading label="Taking you back…" />;
  // Signed in already: go on, unless there is a failure to explain (linking a provider from the
  // account page comes back here with ?oidc_error= when it fails).
  if (currentUser.data && oidcError) {
    return (
      <div className="narrow stack">
        <h1>Sign in</h1>
        <ErrorAlert error={oidcError} />
        <p>
          <Link to={returnTo}>Back to your account</Link>
        </p>
      </div>
    );
  }
  if (currentUser.data && !signIn.isPending) return <Navigate to={returnTo} replace />;
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

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setCookieProblem(false);
    signIn.mutate({ username: readField(form, 'email'), password: readField(form, 'password', { trim: false }) });
  }

  const options = metadata.data;
  return (
    <div className="narrow">
      <h1>Sign in</h1>
      {metadata.isPending && <Loading />}
      <ErrorAlert error={metadata.error} />
      <ErrorAlert error={oidcError} />
      {options && (
        <>
          {options.password_login_enabled ? (
            <form className="stack" onSubmit={handleSubmit} noValidate>
              <ErrorAlert error={cookieProblem ? COOKIE_NOT_KEPT : signIn.error} />
              <TextField
                id="email"
                name="email"
                type="email"
                label="Email"
                autoComplete="username"
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
            options.oidc_providers.length === 0 && <p>No way to sign in is enabled on this server. Ask the administrator.</p>
          )}

          {options.oidc_providers.length > 0 && (
            <div className="stack oauth-providers">
              {options.password_login_enabled && <p className="divider">or</p>}
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
