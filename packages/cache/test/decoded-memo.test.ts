import { describe, expect, it } from 'vitest';
import { DecodedMemo } from '../src/decoded-memo.js';

describe('DecodedMemo', () => {
  const counting = () => {
    let decodes = 0;
    const memo = new DecodedMemo(
      (text) => {
        decodes++;
        return JSON.parse(text);
      },
      3,
      100,
    );
    return { memo, decodes: () => decodes };
  };

  it('answers the same form for the same text, and decodes a changed text', () => {
    const { memo, decodes } = counting();
    const first = memo.read('a', '{"v":1}', () => '{"v":1}');
    expect(memo.read('a', '{"v":1}', () => '{"v":1}')).toBe(first);
    expect(memo.read('a', '{"v":2}', () => '{"v":2}')).toEqual({ v: 2 });
    expect(decodes()).toBe(2);
  });

  it('holds at most maxEntries forms, oldest out first', () => {
    const { memo, decodes } = counting();
    for (const key of ['a', 'b', 'c', 'd']) memo.read(key, '1', () => '1');
    memo.read('d', '1', () => '1');
    memo.read('b', '1', () => '1');
    expect(decodes()).toBe(4); // d and b still held
    memo.read('a', '1', () => '1');
    expect(decodes()).toBe(5); // a was the oldest: gone
  });

  it('holds at most maxChars characters of copies, and never a copy larger than that', () => {
    const { memo, decodes } = counting();
    const text = (n: number) => JSON.stringify('x'.repeat(n - 2));
    memo.read('a', text(60), () => text(60));
    memo.read('b', text(30), () => text(30));
    expect(memo.chars).toBe(90);
    memo.read('c', text(30), () => text(30)); // 120 > 100: a goes
    expect(memo.chars).toBe(60);
    memo.read('b', text(30), () => text(30));
    expect(decodes()).toBe(3);
    memo.read('big', text(101), () => text(101));
    memo.read('big', text(101), () => text(101));
    expect(decodes()).toBe(5); // decoded each time, never held
    expect(memo.chars).toBe(60);
    memo.read('b', text(70), () => text(70)); // b grows to 70: 100 with c, both held
    expect(memo.chars).toBe(100);
  });
});
