import { OIDC_ERROR_PARAM, type AuthMetadata } from '@gatehouse/shared';

export type OidcProviderOption = AuthMetadata['oidc_providers'][number];

/**
 * Where a "Sign in with <provider>" link goes: the API's redirecting authorize route, which sends
 * the whole page to the identity provider (a navigation, not a fetch), with where to come back to.
 */
export function oauthAuthorizeUrl(provider: Pick<OidcProviderOption, 'authorize_url'>, returnTo: string): string {
  return returnTo === '/' ? provider.authorize_url : `${provider.authorize_url}&returnTo=${encodeURIComponent(returnTo)}`;
}

/**
 * The provider to send visitors of the login page to straight away, if one has auto_launch on;
 * never with ?local=1 (the way to reach the password form) or right after a failed attempt (which
 * would loop, and hide the reason).
 */
export function findAutoLaunchProvider(providers: readonly OidcProviderOption[], search: URLSearchParams): OidcProviderOption | null {
  if (search.get('local') === '1' || search.has(OIDC_ERROR_PARAM)) return null;
  return providers.find((provider) => provider.auto_launch) ?? null;
}

/** The code of a failed sign-in (?oidc_error=CODE), if any: shown only as its message (OidcErrorAlert). */
export function readOidcErrorCode(search: URLSearchParams): string | null {
  return search.get(OIDC_ERROR_PARAM);
}
