import { describe, expect, it } from 'vitest';
import { clientIp, createClientIpResolver } from '../src/index.js';

describe('clientIp', () => {
  it('uses the socket address and ignores X-Forwarded-For without trustProxy', () => {
    expect(clientIp({ remoteAddress: '10.0.0.2', forwardedFor: '6.6.6.6' })).toBe('10.0.0.2');
  });

  it('unwraps IPv4-mapped IPv6 socket addresses', () => {
    expect(clientIp({ remoteAddress: '::ffff:127.0.0.1' })).toBe('127.0.0.1');
  });

  it('groups IPv6 callers by /64 unless told otherwise', () => {
    expect(clientIp({ remoteAddress: '2001:db8:1:2:aaaa::1' })).toBe('2001:db8:1:2::/64');
    expect(clientIp({ remoteAddress: '2001:db8:1:2:bbbb::9' })).toBe('2001:db8:1:2::/64');
    expect(clientIp({ remoteAddress: '2001:db8:1:2:aaaa::1', ipv6Prefix: 48 })).toBe(
      '2001:db8:1::/48',
    );
    expect(clientIp({ remoteAddress: '2001:DB8::1', ipv6Prefix: 128 })).toBe('2001:db8::1');
    expect(clientIp({ remoteAddress: 'fe80::1%eth0' })).toBe('fe80::/64');
  });

  it('reads X-Forwarded-For by hop count when the proxy talks over a Unix socket', () => {
    // A Unix-socket peer has no address; all clients would otherwise share one bucket.
    const xff = '6.6.6.6, 203.0.113.7';
    expect(clientIp({ remoteAddress: undefined, forwardedFor: xff, trustProxy: 1 })).toBe(
      '203.0.113.7',
    );
    expect(clientIp({ remoteAddress: undefined, forwardedFor: xff, trustProxy: true })).toBe(
      '6.6.6.6',
    );
    // Without trust, or trusting CIDRs the (absent) peer cannot be in, the header stays ignored.
    expect(clientIp({ remoteAddress: undefined, forwardedFor: xff })).toBeUndefined();
    expect(
      clientIp({ remoteAddress: undefined, forwardedFor: xff, trustProxy: 'loopback' }),
    ).toBeUndefined();
  });

  it('takes the client from X-Forwarded-For by hop count', () => {
    const xff = '6.6.6.6, 203.0.113.7, 10.0.0.1';
    expect(clientIp({ remoteAddress: '10.0.0.2', forwardedFor: xff, trustProxy: 1 })).toBe(
      '10.0.0.1',
    );
    expect(clientIp({ remoteAddress: '10.0.0.2', forwardedFor: xff, trustProxy: 2 })).toBe(
      '203.0.113.7',
    );
    expect(clientIp({ remoteAddress: '10.0.0.2', forwardedFor: xff, trustProxy: 0 })).toBe(
      '10.0.0.2',
    );
    expect(clientIp({ remoteAddress: '10.0.0.2', forwardedFor: xff, trustProxy: true })).toBe(
      '6.6.6.6',
    );
  });

  it('walks past trusted CIDRs only', () => {
    const ipOf = createClientIpResolver({ trustProxy: ['10.0.0.0/8', 'loopback'] });
    // A client-supplied spoofed hop left of the first untrusted address is ignored.
    expect(ipOf('127.0.0.1', '6.6.6.6, 203.0.113.7, 10.1.2.3')).toBe('203.0.113.7');
    // An untrusted socket means the header is not looked at.
    expect(ipOf('198.51.100.1', '6.6.6.6')).toBe('198.51.100.1');
    expect(ipOf('::ffff:10.0.0.5', ['2001:db8::5'])).toBe('2001:db8::/64');
    expect(
      createClientIpResolver({ trustProxy: '10.0.0.0/8, 192.168.0.0/16' })(
        '192.168.1.1',
        '1.1.1.1',
      ),
    ).toBe('1.1.1.1');
  });

  it('reads hops that carry a port, as some proxies write them', () => {
    const ipOf = createClientIpResolver({ trustProxy: true });
    expect(ipOf('10.0.0.2', '203.0.113.7:52100')).toBe('203.0.113.7');
    expect(ipOf('10.0.0.2', '[2001:db8::1]:443')).toBe('2001:db8::/64');
    expect(ipOf('10.0.0.2', '[2001:db8::1]')).toBe('2001:db8::/64');
    // A bare IPv6 address is not mistaken for an address and a port.
    expect(ipOf('10.0.0.2', '2001:db8::1')).toBe('2001:db8::/64');
    // Each port is the client's own source port: one caller, one key, whatever the port.
    expect(ipOf('10.0.0.2', '203.0.113.7:1')).toBe(ipOf('10.0.0.2', '203.0.113.7:2'));
    // A trusted proxy's hop with a port is walked past like one without.
    const byCidr = createClientIpResolver({ trustProxy: '10.0.0.0/8' });
    expect(byCidr('10.0.0.2', '203.0.113.7:4000, 10.0.0.1:80')).toBe('203.0.113.7');
  });

  it('stops at a malformed hop', () => {
    expect(
      clientIp({ remoteAddress: '10.0.0.2', forwardedFor: 'junk, 10.0.0.1', trustProxy: true }),
    ).toBe('10.0.0.1');
  });

  it('answers one resolver the same for a socket address it has seen, header or not', () => {
    const ipOf = createClientIpResolver({ trustProxy: 1, ipv6Prefix: 48 });
    for (let i = 0; i < 3; i++) {
      expect(ipOf('::ffff:10.0.0.2')).toBe('10.0.0.2');
      expect(ipOf('::ffff:10.0.0.2', '203.0.113.7')).toBe('203.0.113.7');
      expect(ipOf('2001:db8:1:2::1')).toBe('2001:db8:1::/48');
    }
    // Past the memo's bound it starts afresh, still answering every address right.
    for (let i = 0; i < 2100; i++)
      expect(ipOf(`198.51.${i >> 8}.${i & 255}`)).toBe(`198.51.${i >> 8}.${i & 255}`);
  });

  it('returns undefined without a socket address', () => {
    expect(clientIp({ remoteAddress: undefined })).toBeUndefined();
  });

  it('rejects bad settings at creation, naming the option', () => {
    expect(() => createClientIpResolver({ trustProxy: ['not-an-ip'] })).toThrow(/`trustProxy`/);
    expect(() => createClientIpResolver({ trustProxy: -1 })).toThrow(/`trustProxy`/);
    expect(() => createClientIpResolver({ ipv6Prefix: 0 })).toThrow(/`ipv6Prefix`/);
  });
});
