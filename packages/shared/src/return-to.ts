/**
 * Where to land after signing in: a path inside Gatehouse, or "/". The web client applies it to
 * `?returnTo=`, and the server applies it again, because after single sign-on the value round-trips
 * through the identity provider and ends in a redirect the server sends.
 */
import { apiPath } from './routes.js';

export const DEFAULT_RETURN_PATH = '/';

/**
 * The one API path a sign-in may return to: ForwardAuth's way back to the protected app it sent
 * the browser from (the server checks that app's host against auth.forward_auth.allowed_hosts).
 * The web client opens it as a page load, not a client-side route.
 */
export const FORWARD_AUTH_RETURN_PATH = apiPath('forwardAuthReturn');

// Any whitespace or control character: browsers strip tabs and newlines from URLs, so
// "/\t/evil.example" would become the protocol-relative "//evil.example". Backslashes are refused
// anywhere, because browsers read "/\evil" as "//evil".
// eslint-disable-next-line no-control-regex -- control characters are what it rejects
const UNSAFE_CHARACTERS = /[\u0000-\u0020\u007f-\u009f\\]/;
const PLACEHOLDER_ORIGIN = 'https://gatehouse.invalid';
const MAX_LENGTH = 2000;

/**
 * `raw` as a path on this site, or "/" when it is anything else. Only paths that start with exactly
 * one "/" pass: "//evil" and "/\evil" are other hosts to a browser, and "https:" or "javascript:"
 * URLs are not paths at all.
 */
export function sanitizeReturnTo(raw: unknown): string {
  if (typeof raw !== 'string' || raw.length > MAX_LENGTH) return DEFAULT_RETURN_PATH;
  if (!raw.startsWith('/') || raw.startsWith('//') || UNSAFE_CHARACTERS.test(raw)) return DEFAULT_RETURN_PATH;
  // Belt and braces: whatever the checks above missed, the URL must still resolve to this origin.
  let resolved: URL;
  try {
    resolved = new URL(raw, PLACEHOLDER_ORIGIN);
  } catch {
    return DEFAULT_RETURN_PATH;
  }
  if (resolved.origin !== PLACEHOLDER_ORIGIN) return DEFAULT_RETURN_PATH;
  const path = resolved.pathname + resolved.search + resolved.hash;
  // Dot segments can collapse into a new leading "//" ("/..//evil").
  if (path.startsWith('//')) return DEFAULT_RETURN_PATH;
  if (resolved.pathname === FORWARD_AUTH_RETURN_PATH) return path;
  // Back to the login page (or into the API) would only loop or show JSON.
  if (resolved.pathname === '/login' || resolved.pathname === '/api' || resolved.pathname.startsWith('/api/')) {
    return DEFAULT_RETURN_PATH;
  }
  return path;
}
