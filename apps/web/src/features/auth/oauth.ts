import { API_PREFIX } from '@gatehouse/shared';

/**
 * Where a "Sign in with <provider>" link goes. The API answers with a redirect to the identity
 * provider (redirect=true), so this is a full page navigation, not a fetch.
 */
export function oauthAuthorizeUrl(provider: string): string {
  return `${API_PREFIX}/auth/cookie/${encodeURIComponent(provider)}/authorize?redirect=true`;
}
