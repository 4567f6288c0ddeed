import { describe, expect, it } from 'vitest';
import { parseShaCrypt, verifyShaCrypt } from '../src/auth/sha-crypt.js';

/**
 * The test vectors of Ulrich Drepper's "Unix crypt using SHA-256 and SHA-512" (as glibc's
 * `crypt()` computes them), and the SHA-256 line of PHP's `crypt()` manual.
 */
const VECTORS: [password: string, hash: string][] = [
  ['Hello world!', '$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5'],
  ['Hello world!', '$5$rounds=10000$saltstringsaltst$3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA'],
  [
    'This is just a test',
    '$5$rounds=5000$toolongsaltstrin$Un/5jzAHMgOGZ5.mWJpuVolil07guHPvOW8mGRcvxa5',
  ],
  [
    'a very much longer text to encrypt.  This one even stretches over morethan one line.',
    '$5$rounds=1400$anotherlongsalts$Rx.j8H.h8HjEDGomFU8bDkXm3XIUnzyxf12oP84Bnq1',
  ],
  [
    'we have a short salt string but not a short password',
    '$5$rounds=77777$short$JiO1O3ZpDAxGJeaDIuqCoEFysAe1mZNJRs3pw0KQRd/',
  ],
  [
    'a short string',
    '$5$rounds=123456$asaltof16chars..$gP3VQ/6X7UUEW3HkBn2w1/Ptq2jxPyzV/cZKmF/wJvD',
  ],
  [
    'the minimum number is still observed',
    '$5$rounds=1000$roundstoolow$yfvwcWrQ8l/K0DAWyuPMDNHpIVlTQebY9l/gL972bIC',
  ],
  ['rasmuslerdorf', '$5$rounds=5000$usesomesillystri$KqJWpanXZHKq2BOB43TSaYhEWsQ1Lr5QNyPCDH/Tp.6'],
  ['', '$5$$3c2QQ0KjIU1OLtB29cl8Fplc2WN7X89bnoEjaR7tWu.'],
];

describe('SHA-256-crypt ($5$, passlib sha256_crypt)', () => {
  it.each(VECTORS)('verifies %j against its known hash', async (password, hash) => {
    expect(await verifyShaCrypt(password, hash)).toBe(true);
    expect(await verifyShaCrypt(`${password}x`, hash)).toBe(false);
  });

  it('clamps rounds below 1000 to 1000, as the spec does', async () => {
    const hash = '$5$rounds=10$roundstoolow$yfvwcWrQ8l/K0DAWyuPMDNHpIVlTQebY9l/gL972bIC';
    expect(parseShaCrypt(hash)?.rounds).toBe(1000);
    expect(await verifyShaCrypt('the minimum number is still observed', hash)).toBe(true);
  });

  it('cuts salts to 16 characters, as the spec does', () => {
    const parsed = parseShaCrypt(
      '$5$rounds=5000$toolongsaltstringXYZ$Un/5jzAHMgOGZ5.mWJpuVolil07guHPvOW8mGRcvxa5',
    );
    expect(parsed?.salt).toBe('toolongsaltstrin');
  });

  it('does not match a malformed hash', async () => {
    for (const hash of ['', '$5$', '$5$salt$short', '$6$salt$x', '$5$rounds=x$salt$abc']) {
      expect(await verifyShaCrypt('Hello world!', hash), hash).toBe(false);
    }
  });

  it('keeps the event loop turning during a long hash', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    await verifyShaCrypt('x', '$5$rounds=200000$salt$' + 'a'.repeat(43));
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(2);
  });
});
