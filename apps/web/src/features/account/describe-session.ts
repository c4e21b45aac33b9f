import type { SessionRead } from '@gatehouse/shared';

function detectBrowser(userAgent: string): string | undefined {
  // Order matters: Edge and Opera also claim to be Chrome, and Chrome claims to be Safari.
  if (/Edg(e|A|iOS)?\//.test(userAgent)) return 'Edge';
  if (/OPR\//.test(userAgent)) return 'Opera';
  if (/Firefox\/|FxiOS\//.test(userAgent)) return 'Firefox';
  if (/Chrome\/|CriOS\//.test(userAgent)) return 'Chrome';
  if (/Safari\//.test(userAgent)) return 'Safari';
  return undefined;
}

function detectSystem(userAgent: string): string | undefined {
  if (/iPhone|iPad|iPod/.test(userAgent)) return 'iOS';
  if (/Android/.test(userAgent)) return 'Android';
  if (/Windows/.test(userAgent)) return 'Windows';
  if (/Mac OS X|Macintosh/.test(userAgent)) return 'macOS';
  if (/CrOS/.test(userAgent)) return 'ChromeOS';
  if (/Linux/.test(userAgent)) return 'Linux';
  return undefined;
}

/** "Firefox on Linux", "Safari", "Android", from a User-Agent header; null when it names none of these. */
export function describeUserAgent(userAgent: string): string | null {
  const browser = detectBrowser(userAgent);
  const system = detectSystem(userAgent);
  if (browser && system) return `${browser} on ${system}`;
  return browser ?? system ?? null;
}

/** A short human name for a session, such as "Firefox on Linux" or "API token". */
export function describeSession(session: Pick<SessionRead, 'user_agent' | 'transport'>): string {
  const userAgent = session.user_agent ?? '';
  const known = describeUserAgent(userAgent);
  if (known) return known;
  if (session.transport === 'bearer') return 'App or API client';
  return userAgent ? userAgent.slice(0, 60) : 'Unknown device';
}
