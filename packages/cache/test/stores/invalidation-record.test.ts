import { describe, expect, it } from 'vitest';
import {
  InvalidationRecord,
  keyScope,
  patternScope,
  tagScope,
} from '../../src/stores/invalidation-record.js';

describe('invalidation scopes', () => {
  it('scopes a key by its text up to the first colon', () => {
    expect(keyScope('alice_posts:page_1:alice')).toBe('alice_posts:');
    expect(keyScope('plain')).toBe('plain');
  });

  it('scopes a pattern by its literal start, or everything when a glob comes first', () => {
    expect(patternScope('alice_posts:*')).toBe('alice_posts:');
    expect(patternScope('alice_posts:page_[0-9]:*')).toBe('alice_posts:');
    expect(patternScope('\\*_posts:*')).toBe('*_posts:');
    expect(patternScope('*_posts:*')).toBe('');
    expect(patternScope('alice*')).toBe('');
    expect(patternScope('b?b_posts:*')).toBe('');
    expect(patternScope('exact')).toBe('exact');
  });
});

describe('InvalidationRecord', () => {
  it('refuses a mark that an invalidation of its scope, a tag or everything passed', () => {
    const record = new InvalidationRecord();
    const mark = record.mark();
    expect(record.allows(mark, 'a:1', ['t'])).toBe(true);
    record.invalidate(keyScope('b:1'));
    expect(record.allows(mark, 'a:1', ['t'])).toBe(true);
    record.invalidate(tagScope('t'));
    expect(record.allows(mark, 'a:1', ['t'])).toBe(false);
    expect(record.allows(mark, 'a:1', [])).toBe(true);
    record.invalidateAll();
    expect(record.allows(mark, 'a:1', [])).toBe(false);
    expect(record.allows(record.mark(), 'a:1', ['t'])).toBe(true);
  });

  it('refuses marks it never issued', () => {
    const record = new InvalidationRecord();
    expect(record.allows('not a mark', 'a', [])).toBe(false);
    expect(record.allows('7', 'a', [])).toBe(false);
    expect(record.allows('-1', 'a', [])).toBe(false);
  });

  it('stays bounded: forgetting a scope refuses every mark older than it', () => {
    const record = new InvalidationRecord({ maxScopes: 2 });
    const old = record.mark();
    record.invalidate('a:');
    const middle = record.mark();
    record.invalidate('b:');
    record.invalidate('c:'); // `a:` is forgotten: marks before it can no longer be checked
    expect(record.allows(old, 'z:1', [])).toBe(false);
    expect(record.allows(middle, 'z:1', [])).toBe(true);
    expect(record.allows(middle, 'b:1', [])).toBe(false);
    // Re-invalidating a scope moves it to the recent end: `b:` outlives `c:` now.
    record.invalidate('b:');
    const late = record.mark();
    record.invalidate('d:'); // forgets `c:`, not `b:`
    expect(record.allows(late, 'b:1', [])).toBe(true);
    expect(record.allows(String(Number(late) - 1), 'b:1', [])).toBe(false);
  });
});
