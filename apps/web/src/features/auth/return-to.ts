import { DEFAULT_RETURN_PATH, sanitizeReturnTo } from '@gatehouse/shared';

export { DEFAULT_RETURN_PATH, sanitizeReturnTo };

/** The login URL that brings the user back to `path` afterwards. */
export function loginPathFor(path: string): string {
  const safe = sanitizeReturnTo(path);
  return safe === DEFAULT_RETURN_PATH ? '/login' : `/login?returnTo=${encodeURIComponent(safe)}`;
}
