import { describe, expect, it } from 'vitest';
import { CacheError, formatKey, formatPattern, resolveResourceId } from '../src/index.js';

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
