import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { isBlockedAddress, isIpLiteral } from './address';

describe('isBlockedAddress', () => {
  test.each([
    '127.0.0.1',
    '127.255.255.254',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '255.255.255.255',
    '224.0.0.1',
    '192.0.2.10',
    '::',
    '::1',
    '[::1]',
    'fe80::1%eth0',
    'fc00::1',
    'fd00:ec2::254',
    'ff02::1',
    '2001:db8::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:169.254.169.254',
    '::127.0.0.1',
    '64:ff9b::10.0.0.1',
    '2002:c0a8:0101::1',
    '2002:0808:0808::1',
    '2001:0:4136:e378:8000:63bf:3fff:fdd2',
    '64:ff9b:1::8.8.8.8',
    '::ffff:0:127.0.0.1',
    '::ffff:0:8.8.8.8',
    'not-an-ip',
    '1:2:3:4:5:6:7:8:9',
    '1::2::3',
  ])('%s is blocked', (address) => {
    expect(isBlockedAddress(address)).toBe(true);
  });

  test.each([
    '8.8.8.8',
    '93.184.216.34',
    '172.32.0.1',
    '2606:4700::1111',
    '::ffff:8.8.8.8',
    '64:ff9b::8.8.8.8',
    '2a00:1450:4001:81b::200e',
  ])('%s is public', (address) => {
    expect(isBlockedAddress(address)).toBe(false);
  });

  test('every IPv4 in 10/8 and 127/8 is blocked, and the mapped IPv6 form agrees', () => {
    fc.assert(
      fc.property(fc.ipV4(), (ip) => {
        expect(isBlockedAddress(`::ffff:${ip}`)).toBe(isBlockedAddress(ip));
        if (ip.startsWith('10.') || ip.startsWith('127.')) {
          expect(isBlockedAddress(ip)).toBe(true);
        }
      })
    );
  });

  test('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        expect(typeof isBlockedAddress(text)).toBe('boolean');
      })
    );
  });
});

/**
 * The special-purpose address registries (IANA, IPv4 and IPv6), written out here apart from the
 * module's own list: every range an SHL receiver must not contact on a link's say-so. Anything
 * outside them is public. IPv4 inside IPv6 (mapped, compatible, well-known NAT64) is judged by
 * the IPv4 address it carries; the other forms that carry one are refused whole.
 */
const V4_RESERVED: [base: string, prefix: number, what: string][] = [
  ['0.0.0.0', 8, 'this network'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'shared address space'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local and cloud metadata'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'documentation (TEST-NET-1)'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation (TEST-NET-2)'],
  ['203.0.113.0', 24, 'documentation (TEST-NET-3)'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
  ['255.255.255.255', 32, 'limited broadcast'],
];

const V6_RESERVED: [base: string, prefix: number, what: string][] = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['64:ff9b:1::', 48, 'local-use NAT64'],
  ['100::', 64, 'discard'],
  ['2001::', 32, 'Teredo'],
  ['2001:2::', 48, 'benchmarking'],
  ['2001:db8::', 32, 'documentation'],
  ['2002::', 16, '6to4'],
  ['3fff::', 20, 'documentation'],
  ['5f00::', 16, 'segment routing (SRv6) SIDs'],
  ['fc00::', 7, 'unique local'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'site-local'],
  ['ff00::', 8, 'multicast'],
  ['::ffff:0:0:0', 96, 'IPv4-translated'],
];

/** The /96 prefixes whose last 32 bits are an IPv4 address that decides, as written before it. */
const V4_CARRIERS: [prefix: string, what: string][] = [
  ['::ffff:', 'IPv4-mapped'],
  ['::', 'IPv4-compatible'],
  ['64:ff9b::', 'well-known NAT64'],
];

function v4Value(address: string): bigint {
  return address.split('.').reduce((n, part) => (n << 8n) | BigInt(part), 0n);
}

function v4Text(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 255n)).join('.');
}

/** A 128-bit value from any IPv6 text `URL` accepts (the WHATWG parser, not the module's). */
function v6Value(address: string): bigint {
  const host = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  const [head = '', tail] = host.split('::');
  const groups = (part: string): string[] => (part === '' ? [] : part.split(':'));
  const all =
    tail === undefined
      ? groups(head)
      : [...groups(head), ...Array<string>(8 - groups(head).length - groups(tail).length).fill('0'), ...groups(tail)];
  return all.reduce((n, group) => (n << 16n) | BigInt(parseInt(group, 16)), 0n);
}

function v6Text(value: bigint): string {
  return Array.from({ length: 8 }, (_, i) => ((value >> BigInt(112 - 16 * i)) & 0xffffn).toString(16)).join(':');
}

function inRange(value: bigint, base: bigint, prefix: number, bits: number): boolean {
  const shift = BigInt(bits - prefix);
  return value >> shift === base >> shift;
}

const v4Reserved = (value: bigint): boolean =>
  V4_RESERVED.some(([base, prefix]) => inRange(value, v4Value(base), prefix, 32));

/** What the registries say of an IPv6 address. */
function v6Reserved(value: bigint): boolean {
  if (V4_CARRIERS.some(([prefix]) => inRange(value, v6Value(`${prefix}0.0.0.0`), 96, 128))) {
    return value <= 1n || v4Reserved(value & 0xffffffffn);
  }
  return V6_RESERVED.some(([base, prefix]) => inRange(value, v6Value(base), prefix, 128));
}

/** The first and last address of a range, one in the middle, and the neighbours just outside. */
function edges(base: bigint, prefix: number, bits: number): { inside: bigint[]; outside: bigint[] } {
  const size = 1n << BigInt(bits - prefix);
  const first = (base >> BigInt(bits - prefix)) << BigInt(bits - prefix);
  const last = first + size - 1n;
  const max = (1n << BigInt(bits)) - 1n;
  return {
    inside: [first, first + size / 2n, last],
    outside: [first - 1n, last + 1n].filter((v) => v >= 0n && v <= max),
  };
}

describe('the full reserved-range table', () => {
  test.each(V4_RESERVED)(
    'IPv4 %s/%i (%s): first, middle and last refused, in every IPv6 form that carries it',
    (base, prefix) => {
      const { inside, outside } = edges(v4Value(base), prefix, 32);
      for (const value of inside) {
        const address = v4Text(value);
        expect([address, isBlockedAddress(address)]).toEqual([address, true]);
        for (const [carrier] of V4_CARRIERS) {
          expect([carrier, address, isBlockedAddress(`${carrier}${address}`)]).toEqual([carrier, address, true]);
        }
      }
      for (const value of outside) {
        const address = v4Text(value);
        expect([address, isBlockedAddress(address)]).toEqual([address, v4Reserved(value)]);
        expect([address, isBlockedAddress(`::ffff:${address}`)]).toEqual([address, v4Reserved(value)]);
      }
    }
  );

  test.each(V6_RESERVED)(
    'IPv6 %s/%i (%s): first, middle and last refused; the neighbours as the table says',
    (base, prefix) => {
      const { inside, outside } = edges(v6Value(base), prefix, 128);
      for (const value of inside) {
        expect([v6Text(value), isBlockedAddress(v6Text(value))]).toEqual([v6Text(value), true]);
      }
      for (const value of outside) {
        expect([v6Text(value), isBlockedAddress(v6Text(value))]).toEqual([v6Text(value), v6Reserved(value)]);
      }
    }
  );

  test('public neighbours of the reserved ranges are public', () => {
    for (const address of [
      '9.255.255.255',
      '11.0.0.0',
      '100.63.255.255',
      '100.128.0.0',
      '126.255.255.255',
      '128.0.0.0',
      '172.15.255.255',
      '172.32.0.0',
      '192.0.1.0',
      '192.0.3.0',
      '198.17.255.255',
      '198.20.0.0',
      '198.51.99.255',
      '198.51.101.0',
      '203.0.112.255',
      '203.0.114.0',
      '223.255.255.255',
      '2001:1::1',
      '2001:3::1',
      '2001:db9::1',
      '2003::1',
      '3ffe:ffff::1',
      '3fff:1000::1',
      '5eff::1',
      '5f01::1',
      'fbff:ffff::1',
      '64:ff9b:2::1',
    ]) {
      expect([address, isBlockedAddress(address)]).toEqual([address, false]);
    }
  });

  test('property: any IPv4 address is refused exactly when the table says so, in every form', () => {
    fc.assert(
      fc.property(fc.ipV4(), (address) => {
        const reserved = v4Reserved(v4Value(address));
        expect(isBlockedAddress(address)).toBe(reserved);
        for (const [carrier] of V4_CARRIERS) {
          expect(isBlockedAddress(`${carrier}${address}`)).toBe(reserved);
        }
      }),
      { numRuns: 2000 }
    );
  });

  test('property: any IPv6 address, anywhere or inside a listed range, is refused exactly when the table says so', () => {
    const inListed = fc
      .tuple(
        fc.constantFrom(
          ...V6_RESERVED,
          ...V4_CARRIERS.map(([p, w]): [string, number, string] => [`${p}0.0.0.0`, 96, w])
        ),
        fc.bigInt({ min: 0n, max: (1n << 128n) - 1n })
      )
      .map(([[base, prefix], noise]) => {
        const host = (1n << BigInt(128 - prefix)) - 1n;
        return v6Text(((v6Value(base) >> BigInt(128 - prefix)) << BigInt(128 - prefix)) | (noise & host));
      });
    fc.assert(
      fc.property(fc.oneof(fc.ipV6(), inListed), (address) => {
        expect([address, isBlockedAddress(address)]).toEqual([address, v6Reserved(v6Value(address))]);
      }),
      { numRuns: 3000 }
    );
  });
});

describe('the prefixes that carry an IPv4 address', () => {
  test('near misses are judged by the table, not by the IPv4 inside are judged by the table, not by the IPv4 inside', () => {
    // Each carrier prefix with one bit of its first 96 flipped, around a loopback and a public IPv4.
    for (const [prefix] of [...V4_CARRIERS, ['::ffff:0:', 'IPv4-translated'] as const]) {
      const base = v6Value(`${prefix}0.0.0.0`);
      for (let bit = 32; bit < 128; bit++) {
        for (const v4 of ['127.0.0.1', '8.8.8.8']) {
          const value = (base ^ (1n << BigInt(bit))) | v4Value(v4);
          expect([v6Text(value), isBlockedAddress(v6Text(value))]).toEqual([v6Text(value), v6Reserved(value)]);
        }
      }
    }
  });
});

describe('malformed addresses', () => {
  test.each([
    ['8.8.8.256', 'an IPv4 part over 255'],
    ['2001:4860:[:8888', 'a bracket inside'],
    ['2001:4860:]:8888', 'a bracket inside'],
    ['2001:4860:0:1::2:3:4:5', '"::" standing for no group'],
    ['2001:4860::1:zzzz', 'a group that is not hexadecimal'],
    ['2001:4860::88888', 'a group of five digits'],
  ])('%s (%s) is blocked, not read as a nearby public address', (address) => {
    expect(isBlockedAddress(address)).toBe(true);
  });

  test('brackets around the whole address and a zone index are read past', () => {
    expect(isBlockedAddress('[2001:4860::8888]')).toBe(false);
    expect(isBlockedAddress('2001:4860::8888%eth0')).toBe(false);
    expect(isBlockedAddress('[fe80::1%25eth0]')).toBe(true);
  });
});

describe('isIpLiteral', () => {
  test('tells addresses from names', () => {
    expect(isIpLiteral('127.0.0.1')).toBe(true);
    expect(isIpLiteral('[::1]')).toBe(true);
    expect(isIpLiteral('2606:4700::1111')).toBe(true);
    expect(isIpLiteral('example.org')).toBe(false);
    expect(isIpLiteral('1.2.3')).toBe(false);
    expect(isIpLiteral('not:an:address')).toBe(false);
    expect(isIpLiteral('8.8.8.256')).toBe(false);
  });
});
