import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { escapeGlob, globToRegExp, literalPrefix } from '../src/glob.js';

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

describe('globToRegExp against Redis SCAN MATCH', () => {
  const redis = new Redis(inject('redisUrl'));
  afterAll(() => redis.disconnect());

  // The memory store and the Redis index path must delete exactly what SCAN would.
  it('reads [...] classes as Redis does: escapes, ranges either way round, unclosed', async () => {
    const prefix = `test:cache:glob:${Date.now()}:`;
    const keys = ['a]b', 'a\\b', 'ab', 'a-b', 'a^b', 'a[b', 'a]', 'a', 'ac', 'a-', 'a[', 'a?'];
    await redis.mset(...keys.flatMap((key) => [prefix + key, '1']));
    const patterns = [
      'a[\\]]b',
      'a[]]b',
      'a[]b',
      'a[a-c]',
      'a[c-a]',
      'a[^b]',
      'a[^]b',
      'a[-]',
      'a[b-]',
      'a[a-]',
      'a[\\\\]b',
      'a[',
      'a[b',
      'a[^',
      'a\\[b',
    ];
    try {
      for (const pattern of patterns) {
        const found: string[] = [];
        let cursor = '0';
        do {
          const [next, page] = await redis.scan(cursor, 'MATCH', escapeGlob(prefix) + pattern);
          found.push(...page.map((key) => key.slice(prefix.length)));
          cursor = next;
        } while (cursor !== '0');
        const matcher = globToRegExp(pattern);
        expect(keys.filter((key) => matcher.test(key)).sort(), pattern).toEqual(found.sort());
      }
    } finally {
      await redis.del(...keys.map((key) => prefix + key));
    }
  });
});
