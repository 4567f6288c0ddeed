import { describe, expect, it } from 'vitest';
import { compileList } from '../src/lists.js';

describe('compileList', () => {
  it('answers every address right past its memo of verdicts (10,000) and on repeats', () => {
    const listed = compileList('deny', { ips: ['10.0.0.0/16', '2001:db8::/32'] })!;
    // 30,000 addresses: the memo fills and empties three times; half are on the list.
    for (let round = 0; round < 2; round++) {
      for (let n = 0; n < 30_000; n++) {
        const inside = n % 2 === 0;
        const ip = `${inside ? 10 : 11}.0.${(n >> 8) & 255}.${n & 255}`;
        expect(listed({ path: '/', ip })).toBe(inside);
      }
    }
    expect(listed({ path: '/', ip: '2001:db8::/64' })).toBe(true);
    expect(listed({ path: '/', ip: '2001:db9::/64' })).toBe(false);
    expect(listed({ path: '/', ip: 'not an address' })).toBe(false);
    expect(listed({ path: '/', ip: 'not an address' })).toBe(false);
  });
});
