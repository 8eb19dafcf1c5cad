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
    fc.assert(fc.property(fc.string(), (text) => typeof isBlockedAddress(text) === 'boolean'));
  });
});

describe('isIpLiteral', () => {
  test('tells addresses from names', () => {
    expect(isIpLiteral('127.0.0.1')).toBe(true);
    expect(isIpLiteral('[::1]')).toBe(true);
    expect(isIpLiteral('2606:4700::1111')).toBe(true);
    expect(isIpLiteral('example.org')).toBe(false);
    expect(isIpLiteral('1.2.3')).toBe(false);
  });
});
