/**
 * ForwardAuth decisions, as pure functions of the configuration: which hosts Gatehouse answers
 * for (and may send a browser back to), what a host and the middleware's query demand of the
 * user, and the Remote-* headers that tell the protected app who is calling.
 */
import type { ForwardAuthQuery } from '@gatehouse/shared';
import type { Config, ForwardAuthRule } from '../config/types.js';

/** The page the user asked for, as the proxy reported it. */
export interface ForwardedRequest {
  readonly proto: 'http' | 'https';
  /** Host name, with ":port" when the proxy gave one; lower case. */
  readonly host: string;
  /** Path and query, starting with "/". */
  readonly uri: string;
}

export interface AccessRequirement {
  readonly isAdminOnly: boolean;
  /** Each list must be met: the user is in at least one group of every list. Empty: no group needed. */
  readonly groupLists: readonly (readonly string[])[];
}

export interface ForwardAuthUser {
  readonly id: string;
  readonly email: string;
  /** Null while the address is unproven: such an address is never handed to another app. */
  readonly emailVerifiedAt: Date | null;
  readonly username: string | null;
  readonly displayName: string | null;
  readonly isSuperuser: boolean;
}

const MAX_URI_LENGTH = 4000;
// No whitespace, control characters or backslashes: such a URI could become another host.
// eslint-disable-next-line no-control-regex -- control characters are what it rejects
const SAFE_URI = /^\/[^\u0000-\u0020\u007f-\u009f\\]*$/;

function splitHostPort(host: string): { hostname: string; port: string | null } {
  const match = /^(.*?)(?::(\d{1,5}))?$/.exec(host);
  return { hostname: match?.[1] ?? host, port: match?.[2] ?? null };
}

/**
 * "app.example.com" matches that host on any port; "app.example.com:8443" that port only;
 * "*.example.com" every host below example.com (not example.com itself).
 */
export function isHostMatch(pattern: string, host: string): boolean {
  const wanted = splitHostPort(pattern.toLowerCase());
  const actual = splitHostPort(host.toLowerCase());
  if (wanted.port !== null && wanted.port !== actual.port) return false;
  if (wanted.hostname.startsWith('*.')) return actual.hostname.endsWith(wanted.hostname.slice(1));
  return wanted.hostname === actual.hostname;
}

export function isHostAllowed(config: Config, host: string): boolean {
  return config.auth.forward_auth.allowed_hosts.some((pattern) => isHostMatch(pattern, host));
}

/** The first rule whose host matches, or null. */
export function findRule(config: Config, host: string): ForwardAuthRule | null {
  return config.auth.forward_auth.rules.find((rule) => isHostMatch(rule.host, host)) ?? null;
}

/**
 * What the host's rule and the middleware's query parameters (?admin=true, ?group=a,b; checked by
 * the route mounter) demand, together: each can only add requirements.
 */
export function resolveRequirement(config: Config, host: string, query: ForwardAuthQuery): AccessRequirement {
  const rule = findRule(config, host);
  const queryGroups = (query.group ?? '')
    .split(',')
    .map((group) => group.trim())
    .filter((group) => group !== '');
  return {
    isAdminOnly: query.admin === 'true' || rule?.admin_only === true,
    groupLists: [rule?.groups ?? [], queryGroups].filter((list) => list.length > 0),
  };
}

/** Null when the user may pass, else why not (for the 403 message). */
export function findDenialReason(requirement: AccessRequirement, user: ForwardAuthUser, groups: readonly string[]): string | null {
  if (requirement.isAdminOnly && !user.isSuperuser) return 'Only administrators may open this app.';
  for (const list of requirement.groupLists) {
    if (!groups.some((group) => list.includes(group))) return `Only members of ${list.join(' or ')} may open this app.`;
  }
  return null;
}

/**
 * The original URL from X-Forwarded-Proto/-Host/-Uri, or null when they are missing or unusable.
 * The caller has already checked that the peer is a trusted proxy.
 */
export function readForwardedRequest(headers: {
  proto: string | undefined;
  host: string | undefined;
  uri: string | undefined;
}): ForwardedRequest | null {
  // A proxy chain may list several values: the first is what the client used.
  const first = (value: string | undefined) => value?.split(',')[0]?.trim() ?? '';
  const proto = first(headers.proto).toLowerCase() || 'https';
  const host = first(headers.host).toLowerCase();
  const uri = headers.uri?.trim() || '/';
  if (proto !== 'http' && proto !== 'https') return null;
  if (!/^[a-z0-9.-]+(:\d{1,5})?$/.test(host) && !/^\[[0-9a-f:.]+\](:\d{1,5})?$/.test(host)) return null;
  if (uri.length > MAX_URI_LENGTH || !SAFE_URI.test(uri) || uri.startsWith('//')) return null;
  return { proto, host, uri };
}

export function buildOriginalUrl(request: ForwardedRequest): string {
  return `${request.proto}://${request.host}${request.uri}`;
}

/**
 * rd for the way back after sign-in: an absolute http(s) URL on an allowed host, without user
 * info. Anything else is refused, so the route is no open redirect.
 */
export function parseReturnUrl(config: Config, raw: unknown): URL | null {
  if (typeof raw !== 'string' || raw.length > MAX_URI_LENGTH) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (url.username !== '' || url.password !== '') return null;
  return isHostAllowed(config, url.host) ? url : null;
}

/**
 * Header values on the wire are bytes: UTF-8 is sent as is (what Authelia and Authentik do),
 * with control characters removed so no value can split a header.
 */
function toHeaderValue(value: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what it rejects
  return Buffer.from(value.replace(/[\u0000-\u001f\u007f]/g, ''), 'utf8').toString('latin1');
}

/**
 * Who the protected app is told is calling. An address nobody has proven (self-registered without
 * SMTP, or from a provider that never sends email_verified) could be someone else's: it is not
 * sent at all, neither as Remote-Email nor as the Remote-User fallback, so an app that maps users
 * by address cannot be walked into that person's account there. Such an account is named by its
 * username, else by its Gatehouse id ("gatehouse:<id>"), and Remote-Email-Verified says "false".
 * Every header is always sent, Remote-Email empty in that case: a proxy that copies only the
 * headers the answer has (Caddy before the fix for GHSA-7r4p-vjf4-gxv4) would otherwise pass on
 * a Remote-Email the client itself sent.
 */
export function buildRemoteHeaders(user: ForwardAuthUser, groups: readonly string[]): Record<string, string> {
  const isEmailProven = user.emailVerifiedAt !== null;
  const provenEmail = isEmailProven ? user.email : null;
  const name = user.username ?? provenEmail ?? `gatehouse:${user.id}`;
  return {
    'Remote-User': toHeaderValue(name),
    'Remote-Email': provenEmail === null ? '' : toHeaderValue(provenEmail),
    'Remote-Email-Verified': isEmailProven ? 'true' : 'false',
    'Remote-Name': toHeaderValue(user.displayName ?? name),
    'Remote-Groups': toHeaderValue(groups.filter((group) => !group.includes(',')).join(',')),
  };
}
