import { describe, expect, it } from 'vitest';
import { literalPrefix } from '../src/glob.js';
import { escapeGlob, globToRegExp } from '../src/index.js';

describe('globToRegExp', () => {
  const cases: Array<[string, string, boolean]> = [
    ['alice_posts:*', 'alice_posts:page_1:alice', true],
    ['alice_posts:*', 'alicex_posts:page_1', false],
    ['a?c', 'abc', true],
    ['a?c', 'ac', false],
    ['page_[0-9]', 'page_7', true],
    ['page_[^0-9]', 'page_7', false],
    ['\\*_posts:*', '*_posts:1', true],
    ['\\*_posts:*', 'bob_posts:1', false],
    ['a.b', 'axb', false],
    ['x*', 'x\nline', true],
  ];
  for (const [pattern, key, expected] of cases) {
    it(`${pattern} ${expected ? 'matches' : 'does not match'} ${JSON.stringify(key)}`, () => {
      expect(globToRegExp(pattern).test(key)).toBe(expected);
    });
  }

  it('makes escaped values match only themselves', () => {
    for (const value of ['*', '[a-z]*', 'a?b', 'back\\slash']) {
      const matcher = globToRegExp(`${escapeGlob(value)}_posts:*`);
      expect(matcher.test(`${value}_posts:1`)).toBe(true);
      expect(matcher.test('alice_posts:1')).toBe(false);
    }
  });
});

describe('literalPrefix', () => {
  it('unescapes up to the first operator', () => {
    expect(literalPrefix('\\*_posts:*')).toEqual({ prefix: '*_posts:', prefixStar: true });
    expect(literalPrefix('alice_posts:page_?:*')).toEqual({
      prefix: 'alice_posts:page_',
      prefixStar: false,
    });
  });
});
