export const DEFAULT_RETURN_PATH = '/';

// Any whitespace or control character: browsers strip tabs and newlines from URLs, so
// "/\t/evil.example" would become the protocol-relative "//evil.example".
const UNSAFE_CHARACTERS = /[\u0000-\u0020\u007f-\u009f\\]/;
const PLACEHOLDER_ORIGIN = 'https://gatehouse.invalid';

/**
 * The `?returnTo=` value as a path on this site, or "/" when it is anything else. Only paths that
 * start with exactly one "/" pass: "//evil" and "/\evil" are read by browsers as other hosts, and
 * "https:" or "javascript:" URLs are not paths at all. Backslashes are refused anywhere, because
 * browsers treat them as slashes.
 */
export function sanitizeReturnTo(raw: string | null | undefined): string {
  if (!raw || !raw.startsWith('/') || raw.startsWith('//') || UNSAFE_CHARACTERS.test(raw)) {
    return DEFAULT_RETURN_PATH;
  }
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
  // Coming back to the login page after signing in would only loop.
  if (resolved.pathname === '/login') return DEFAULT_RETURN_PATH;
  return path;
}

/** The login URL that brings the user back to `path` afterwards. */
export function loginPathFor(path: string): string {
  const safe = sanitizeReturnTo(path);
  return safe === DEFAULT_RETURN_PATH ? '/login' : `/login?returnTo=${encodeURIComponent(safe)}`;
}
