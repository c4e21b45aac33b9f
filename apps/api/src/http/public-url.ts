/**
 * What misc.frontend_url says about where Gatehouse lives publicly: its origin, its sub-path
 * ("/auth" for https://media.example.com/auth, "" at the root) and whether it is served over TLS.
 * Everything Gatehouse links to or scopes a cookie to derives from here, never from request headers.
 */
import type { Config } from '../config/types.js';

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

export interface PublicUrl {
  /** "https://media.example.com" */
  readonly origin: string;
  /** "/auth", or "" when Gatehouse is at the root of its host. Never ends in "/". */
  readonly basePath: string;
  /** frontend_url is https: cookies are Secure whatever the hop from the proxy uses. */
  readonly isSecure: boolean;
  /** Host name only, lower case. */
  readonly hostname: string;
}

export function readPublicUrl(config: { readonly misc: Pick<Config['misc'], 'frontend_url'> }): PublicUrl {
  const url = new URL(config.misc.frontend_url);
  return {
    origin: url.origin,
    basePath: url.pathname.replace(/\/+$/, ''),
    isSecure: url.protocol === 'https:',
    hostname: url.hostname.toLowerCase(),
  };
}

/**
 * The Path of the session cookies: the sub-path, so that other apps on the same host never see
 * them; but "/" when cookie_domain shares them with other hosts, whose paths are their own.
 */
export function readSessionCookiePath(config: Pick<Config, 'misc' | 'auth'>): string {
  if (config.auth.cookie_domain !== '') return '/';
  return readPublicUrl(config).basePath || '/';
}

/**
 * Why start-up should warn about frontend_url, or null: plain http on a host other than this
 * machine means cookies without Secure, and identity providers that refuse the redirect URI.
 */
export function describeInsecureFrontendUrl(config: { readonly misc: Pick<Config['misc'], 'frontend_url'> }): string | null {
  const { isSecure, hostname } = readPublicUrl(config);
  if (isSecure || LOCAL_HOSTS.has(hostname) || hostname.endsWith('.localhost')) return null;
  return (
    `misc.frontend_url (${config.misc.frontend_url}) is http:// on ${hostname}, which is not this machine: ` +
    'session cookies cannot be marked Secure, browsers may refuse them, and most identity providers refuse ' +
    'http:// redirect URIs. Serve Gatehouse over HTTPS (e.g. Traefik with TLS) and set frontend_url to the https:// address.'
  );
}

/** Whether a request path is `prefix` itself or below it ("/api/v1", "/api/v1/users"; not "/api/v10"). */
export function isAtOrBelow(path: string, prefix: string): boolean {
  return path.startsWith(prefix) && (path.length === prefix.length || path[prefix.length] === '/');
}
