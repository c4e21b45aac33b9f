import net from 'node:net';
import type { Request } from 'express';
import type { ClientInfo } from '../auth/service.js';

/** Who is calling, for the session list. The address honours server.trusted_proxies. */
export function readClientInfo(req: Request): ClientInfo {
  return {
    userAgent: req.get('user-agent') ?? null,
    ipAddress: req.ip ?? null,
  };
}

/** The eight 16-bit groups of an IPv6 address (zone id dropped), or null if it is not one. */
function ipv6Groups(address: string): number[] | null {
  const bare = address.split('%')[0]!;
  if (net.isIPv6(bare) === false) return null;
  let text = bare;
  // A trailing dotted IPv4 part ("::ffff:192.0.2.1") becomes its two groups.
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((group) => parseInt(group, 16)));
  const front = parse(head);
  const back = tail === undefined ? [] : parse(tail);
  return [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
}

/**
 * The key every per-client brake counts under, from a client address: an IPv4 address as it is
 * (an IPv4-mapped IPv6 address, ::ffff:a.b.c.d, as its IPv4 address), an IPv6 address as its /64
 * (one subscriber usually holds a whole /64 and can pick any address in it), and "unknown" when
 * there is no address.
 */
export function clientKeyOf(address: string | null | undefined): string {
  if (!address) return 'unknown';
  const groups = ipv6Groups(address);
  if (!groups) return address;
  const isMappedIpv4 = groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
  if (isMappedIpv4) {
    const [high = 0, low = 0] = groups.slice(6);
    return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
  }
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(':')}::/64`;
}
