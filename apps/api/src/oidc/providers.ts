/**
 * What the configuration says about the OpenID Connect providers: which are on, their redirect
 * URIs, what the login page shows. Pure functions of Config.
 *
 * Redirect URIs come from misc.frontend_url and the provider's name, never from the request's Host
 * or X-Forwarded-* headers: a forged header must not be able to send the provider's code elsewhere.
 */
import { apiPath, type AuthMetadata } from '@gatehouse/shared';
import type { Config, OidcProviderConfig } from '../config/types.js';
import type { Logger } from '../logger.js';
import { readPublicUrl } from '../http/public-url.js';

export type OidcProviderMetadata = AuthMetadata['oidc_providers'][number];

export function listEnabledProviders(config: Config): OidcProviderConfig[] {
  return config.auth.openid_connect.filter((provider) => provider.enabled);
}

/** Exact, case-sensitive match on the name (as the redirect URI is). */
export function findEnabledProvider(config: Config, name: string): OidcProviderConfig | undefined {
  return listEnabledProviders(config).find((provider) => provider.name === name);
}

/**
 * The scopes to ask the provider for when a client names some (MediaManager's
 * `/auth/oauth/authorize?scopes=…`): the configured ones it named, never one the operator did not
 * configure, and always "openid", without which there is no ID token to sign in with.
 * `requested` is the query value: absent, one string (space-separated scopes allowed) or several.
 */
export function narrowScopes(configured: string, requested: readonly string[] | undefined): string {
  const configuredScopes = configured.split(/\s+/).filter(Boolean);
  if (requested === undefined) return configuredScopes.join(' ');
  const wanted = new Set(requested.flatMap((value) => value.split(/\s+/)).filter(Boolean));
  return configuredScopes.filter((scope) => scope === 'openid' || wanted.has(scope)).join(' ');
}

export function buildRedirectUri(config: Config, provider: OidcProviderConfig): string {
  const path = provider.callback === 'oauth' ? apiPath('oidcOAuthCallback') : apiPath('oidcCallback', { name: provider.name });
  return config.misc.frontend_url + path;
}

/** Where the provider sends the browser after RP-initiated logout. */
export function buildPostLogoutRedirectUri(config: Config): string {
  return `${config.misc.frontend_url}/login`;
}

/** Path of the redirecting authorize route, for the login page's buttons (under the sub-path). */
export function buildAuthorizeLinkPath(config: Config, provider: OidcProviderConfig): string {
  return `${readPublicUrl(config).basePath}${apiPath('oidcAuthorize', { name: provider.name })}?redirect=true`;
}

export function describeProvider(config: Config, provider: OidcProviderConfig): OidcProviderMetadata {
  return {
    name: provider.name,
    button_text: provider.button_text.replaceAll('{name}', provider.name),
    icon_url: provider.icon_url,
    auto_launch: provider.auto_launch,
    authorize_url: buildAuthorizeLinkPath(config, provider),
    redirect_uri: buildRedirectUri(config, provider),
  };
}

/** Start-up log: what the admin registers at each provider, ready to paste. */
export function logOidcProviders(config: Config, logger: Logger): void {
  for (const provider of listEnabledProviders(config)) {
    const redirectUri = buildRedirectUri(config, provider);
    const postLogoutRedirectUri = buildPostLogoutRedirectUri(config);
    logger.info(
      { provider: provider.name, redirect_uri: redirectUri, post_logout_redirect_uri: postLogoutRedirectUri },
      `OpenID Connect provider "${provider.name}": register the redirect URI ${redirectUri}` +
        (provider.end_session ? ` and the post-logout redirect URI ${postLogoutRedirectUri}` : '') +
        ' with the provider (exactly, case-sensitive).',
    );
    if (new URL(provider.configuration_endpoint).protocol === 'http:') {
      logger.warn(
        { provider: provider.name },
        `OpenID Connect provider "${provider.name}": configuration_endpoint is http://; tokens will travel ` +
          'without TLS (allowed for testing only).',
      );
    }
  }
}
