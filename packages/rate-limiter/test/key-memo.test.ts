import { describe, expect, it } from 'vitest';
import { KeyMemo } from '../src/key-memo.js';

describe('KeyMemo', () => {
  it('gives each (path, caller) its own key, paths taken in turn', () => {
    const memo = new KeyMemo('rl:{');
    for (let round = 0; round < 2; round++) {
      expect(memo.keyOf(false, '10.0.0.1', 'a').key).toBe('rl:{ip:10.0.0.1:a}');
      expect(memo.keyOf(false, '10.0.0.1', 'b').key).toBe('rl:{ip:10.0.0.1:b}');
      expect(memo.keyOf(true, '10.0.0.1', 'b').key).toBe('rl:{u:10.0.0.1:b}');
      expect(memo.keyOf(true, '7', 'a').key).toBe('rl:{u:7:a}');
    }
  });

  it('hands back the same entry for the same caller and path', () => {
    const memo = new KeyMemo('rl:{');
    const first = memo.keyOf(true, '7', 'a');
    memo.keyOf(true, '7', 'b');
    expect(memo.keyOf(true, '7', 'a')).toBe(first);
  });

  it('starts afresh past maxKeys and still answers the right key on the path last seen', () => {
    const memo = new KeyMemo('rl:{', 3);
    memo.keyOf(false, '1', 'a');
    memo.keyOf(false, '2', 'a');
    memo.keyOf(false, '3', 'b');
    // The fourth key empties the memo; the path cache must follow the new map.
    const fourth = memo.keyOf(false, '4', 'b');
    expect(fourth.key).toBe('rl:{ip:4:b}');
    expect(memo.keyOf(false, '4', 'b')).toBe(fourth);
    expect(memo.keyOf(false, '3', 'b').key).toBe('rl:{ip:3:b}');
    expect(memo.keyOf(false, '1', 'a').key).toBe('rl:{ip:1:a}');
  });
});
