import { DEFAULT_RETURN_PATH, FORWARD_AUTH_RETURN_PATH, sanitizeReturnTo } from '@gatehouse/shared';

export { DEFAULT_RETURN_PATH, sanitizeReturnTo };

/**
 * A returnTo the server answers rather than the router: ForwardAuth's way back to a protected
 * app. Opened as a page load, resolved against <base href> so it stays under the sub-path.
 */
export function isServerReturn(returnTo: string): boolean {
  return returnTo === FORWARD_AUTH_RETURN_PATH || returnTo.startsWith(`${FORWARD_AUTH_RETURN_PATH}?`);
}

export function toServerReturnUrl(returnTo: string, baseUri: string): string {
  return new URL(returnTo.slice(1), baseUri).href;
}

/** The login URL that brings the user back to `path` afterwards. */
export function loginPathFor(path: string): string {
  const safe = sanitizeReturnTo(path);
  return safe === DEFAULT_RETURN_PATH ? '/login' : `/login?returnTo=${encodeURIComponent(safe)}`;
}
