import { describe, expect, it } from 'vitest';
import { globToRegExp } from '../src/glob.js';
import { CacheError, formatKey, formatPattern } from '../src/index.js';
import { encodeKeyValue, resolveResourceId } from '../src/key-template.js';

describe('formatKey', () => {
  it('formats the issue examples', () => {
    expect(
      formatKey(
        '{username}_posts:page_{page}:items_per_page:{items_per_page}',
        { username: 'alice', page: 1, items_per_page: 10 },
        { resourceIdName: 'username' },
      ),
    ).toBe('alice_posts:page_1:items_per_page:10:alice');
    expect(
      formatKey('{username}_post_cache', { username: 'alice', id: '5' }, { resourceIdName: 'id' }),
    ).toBe('alice_post_cache:5');
  });

  it('fails on a placeholder the request lacks', () => {
    expect(() => formatKey('{username}_posts', { id: '1' })).toThrow(
      expect.objectContaining({ code: 'E_MISSING_PARAM' }),
    );
  });

  it('rejects bad template syntax naming the option', () => {
    for (const bad of ['{username_posts', 'username}_posts', '{}_posts', '{user name}', '']) {
      expect(() => formatKey(bad, {})).toThrow(expect.objectContaining({ option: 'keyPrefix' }));
    }
  });
});

describe('resolveResourceId', () => {
  it('infers the last integer parameter whose name contains id', () => {
    expect(resolveResourceId({ user_id: '3', post_id: '7', page: '2' }, {})).toBe('7');
    expect(resolveResourceId({ post_id: '7', user_id: 'abc' }, {})).toBe('7');
  });

  it('infers the last parameter for the string type', () => {
    expect(resolveResourceId({ id: '7', username: 'alice' }, { resourceIdType: 'string' })).toBe(
      'alice',
    );
  });

  it('fails with E_RESOURCE_ID when nothing can be inferred', () => {
    let caught: unknown;
    try {
      resolveResourceId({ username: 'alice', page: '2' }, {});
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CacheError);
    expect((caught as CacheError).code).toBe('E_RESOURCE_ID');
    expect((caught as CacheError).message).toMatch(/^\[@kit\/cache\] .*resourceIdName/);
  });

  it('fails when the named parameter is missing', () => {
    expect(() => resolveResourceId({ username: 'a' }, { resourceIdName: 'id' })).toThrow(
      /"id" is missing/,
    );
  });
});

describe('formatPattern', () => {
  it('escapes glob characters in values but keeps the template own', () => {
    expect(formatPattern('{username}_posts:*', { username: '*' })).toBe('\\*_posts:*');
    expect(formatPattern('{username}_posts:*', { username: '[a-z]?\\' })).toBe(
      '\\[a-z\\]\\?\\\\_posts:*',
    );
  });
});

describe('values in keys', () => {
  const template = '{username}_posts:page_{page}:items_per_page:{items_per_page}';
  const rule = { resourceIdName: 'username' };

  it('percent-encodes %, : and control characters, and keeps everything else', () => {
    expect(encodeKeyValue('alice')).toBe('alice');
    expect(encodeKeyValue('héllo ✓ *[a]_')).toBe('héllo ✓ *[a]_');
    expect(encodeKeyValue('a:b%c')).toBe('a%3Ab%25c');
    expect(encodeKeyValue('\u0000idx\n\u007f')).toBe('%00idx%0A%7F');
  });

  it('never builds one key from two different sets of values', () => {
    const a = formatKey(
      template,
      { username: 'u', page: '1:items_per_page:10', items_per_page: 5 },
      rule,
    );
    const b = formatKey(
      template,
      { username: 'u', page: 1, items_per_page: '10:items_per_page:5' },
      rule,
    );
    expect(a).not.toBe(b);
    const byId = { resourceIdName: 'id' };
    expect(formatKey('{a}', { a: 'x', id: '1:2' }, byId)).not.toBe(
      formatKey('{a}', { a: 'x:1', id: '2' }, byId),
    );
    expect(formatKey('{a}', { a: 'x%3A1', id: '2' }, byId)).not.toBe(
      formatKey('{a}', { a: 'x:1', id: '2' }, byId),
    );
    expect(formatKey('t', { id: 'a:b' }, { resourceIdName: 'id' })).toBe('t:a%3Ab');
  });

  it('keeps a value from reaching into another user pattern', () => {
    const pattern = globToRegExp(formatPattern('{username}_posts:*', { username: 'alice' }));
    const other = formatKey(
      template,
      { username: 'alice_posts:x', page: 1, items_per_page: 10 },
      rule,
    );
    expect(other).toBe('alice_posts%3Ax_posts:page_1:items_per_page:10:alice_posts%3Ax');
    expect(pattern.test(other)).toBe(false);
    expect(
      globToRegExp(formatPattern('user:{username}:*', { username: 'a' })).test(
        `user:${encodeKeyValue('a:b')}:posts`,
      ),
    ).toBe(false);
  });

  it('refuses empty, repeated and structured values with E_AMBIGUOUS_PARAM', () => {
    for (const page of ['', ['1', '2'], ['1'], []]) {
      expect(() => formatKey(template, { username: 'u', page, items_per_page: 10 }, rule)).toThrow(
        expect.objectContaining({ code: 'E_AMBIGUOUS_PARAM' }),
      );
    }
    expect(() => resolveResourceId({ id: ['1', '2'] }, { resourceIdName: 'id' })).toThrow(
      expect.objectContaining({ code: 'E_AMBIGUOUS_PARAM' }),
    );
    expect(() => resolveResourceId({ post_id: '1', item_id: ['2', '3'] }, {})).toThrow(
      expect.objectContaining({ code: 'E_AMBIGUOUS_PARAM' }),
    );
    expect(resolveResourceId({ item_id: ['2', '3'], post_id: '1' }, {})).toBe('1');
  });

  it('rejects a NUL character in a template', () => {
    expect(() => formatKey('a\u0000b', { id: '1' })).toThrow(
      expect.objectContaining({ code: 'E_INVALID_OPTION', option: 'keyPrefix' }),
    );
  });
});
