/**
 * Which IP addresses an SHL receiver must never contact on a link's say-so: loopback, private,
 * shared, link-local (including the 169.254.169.254 cloud metadata address), multicast,
 * documentation, benchmarking and unspecified ranges, in IPv4 and IPv6 (IPv4-mapped and
 * well-known NAT64 forms judged by the IPv4 inside; 6to4, Teredo, local-use NAT64 and
 * IPv4-translated forms refused outright). Unparseable input counts as blocked.
 */

type Range = [base: number, prefix: number];

const BLOCKED_V4: Range[] = [
  [ip4(0, 0, 0, 0), 8],
  [ip4(10, 0, 0, 0), 8],
  [ip4(100, 64, 0, 0), 10],
  [ip4(127, 0, 0, 0), 8],
  [ip4(169, 254, 0, 0), 16],
  [ip4(172, 16, 0, 0), 12],
  [ip4(192, 0, 0, 0), 24],
  [ip4(192, 0, 2, 0), 24],
  [ip4(192, 168, 0, 0), 16],
  [ip4(198, 18, 0, 0), 15],
  [ip4(198, 51, 100, 0), 24],
  [ip4(203, 0, 113, 0), 24],
  [ip4(224, 0, 0, 0), 4],
  [ip4(240, 0, 0, 0), 4],
];

/** IPv6 prefixes as [first 16-bit groups, prefix length]. */
const BLOCKED_V6: [number[], number][] = [
  [[0xfc00], 7], // unique local
  [[0xfe80], 10], // link-local
  [[0xfec0], 10], // site-local
  [[0xff00], 8], // multicast
  [[0x2001, 0x0db8], 32], // documentation
  [[0x3fff, 0x0000], 20], // documentation (RFC 9637)
  [[0x2001, 0x0002, 0x0000], 48], // benchmarking
  [[0x5f00], 16], // segment routing (SRv6) SIDs, never globally reachable
  [[0x0100, 0, 0, 0], 64], // discard
  // Forms that carry an IPv4 address a network may route to itself: refused whatever it is.
  [[0x2002], 16], // 6to4
  [[0x2001, 0x0000], 32], // Teredo
  [[0x0064, 0xff9b, 0x0001], 48], // NAT64 local use
  [[0, 0, 0, 0, 0xffff, 0], 96], // IPv4-translated
];

function ip4(a: number, b: number, c: number, d: number): number {
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

/** The IPv4 address as a 32-bit number, or undefined. */
function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) {
    return undefined;
  }
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) {
      return undefined;
    }
    value = value * 256 + Number(part);
  }
  return value;
}

/** The IPv6 address as eight 16-bit groups, or undefined. */
function parseIpv6(input: string): number[] | undefined {
  let text = input.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const lastColon = text.lastIndexOf(':');
  if (lastColon >= 0 && text.includes('.', lastColon)) {
    // An embedded dotted quad becomes the last two groups.
    const v4 = parseIpv4(text.slice(lastColon + 1));
    if (v4 === undefined) {
      return undefined;
    }
    text = `${text.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) {
    return undefined;
  }
  const head = readGroups(halves[0] ?? '');
  const tail = readGroups(halves[1] ?? '');
  if (!head || !tail) {
    return undefined;
  }
  if (halves.length === 1) {
    return head.length === 8 ? head : undefined;
  }
  const missing = 8 - head.length - tail.length;
  return missing >= 1 ? [...head, ...new Array<number>(missing).fill(0), ...tail] : undefined;
}

function readGroups(part: string): number[] | undefined {
  if (part === '') {
    return [];
  }
  const groups = part.split(':');
  return groups.every((g) => /^[0-9a-f]{1,4}$/i.test(g)) ? groups.map((g) => parseInt(g, 16)) : undefined;
}

/** True for an IPv4 or IPv6 literal (brackets allowed). */
export function isIpLiteral(host: string): boolean {
  return parseIpv4(host) !== undefined || (host.includes(':') && parseIpv6(host) !== undefined);
}

/** True when the address must not be contacted (see the module comment). */
export function isBlockedAddress(address: string): boolean {
  const v4 = parseIpv4(address);
  if (v4 !== undefined) {
    return isBlockedV4(v4);
  }
  const groups = parseIpv6(address);
  if (!groups) {
    return true;
  }
  const [g0, g1, g2, g3, g4, g5, g6, g7] = groups as [number, number, number, number, number, number, number, number];
  const embedded = ((g6 << 16) | g7) >>> 0;
  const zeroPrefix = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  if (zeroPrefix && (g5 === 0xffff || g5 === 0)) {
    // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible); :: and ::1 carry 0.0.0.0/8, refused.
    return isBlockedV4(embedded);
  }
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) {
    return isBlockedV4(embedded);
  }
  return BLOCKED_V6.some(([prefix, length]) => matchesV6(groups, prefix, length));
}

/** 240.0.0.0/4 takes in the limited broadcast address 255.255.255.255 too. */
function isBlockedV4(value: number): boolean {
  return BLOCKED_V4.some(([base, prefix]) => value >>> (32 - prefix) === base >>> (32 - prefix));
}

function matchesV6(groups: number[], prefix: number[], length: number): boolean {
  for (let bit = 0; bit < length; bit += 16) {
    const index = bit / 16;
    const bits = Math.min(16, length - bit);
    const mask = (0xffff << (16 - bits)) & 0xffff;
    if (((groups[index] ?? 0) & mask) !== ((prefix[index] ?? 0) & mask)) {
      return false;
    }
  }
  return true;
}
