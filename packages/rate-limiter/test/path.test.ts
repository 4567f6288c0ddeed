import { describe, expect, it } from 'vitest';
import { defaultRuleName, sanitizePath } from '../src/index.js';
import { PathMemo, requestPath } from '../src/path.js';

describe('sanitizePath', () => {
  it.each([
    ['/api/v1/tasks/task', 'api_v1_tasks_task'],
    ['/api/v1/tasks/task?x=1', 'api_v1_tasks_task'],
    ['/api/v1/tasks/task/', 'api_v1_tasks_task'],
    ['//api/v1//', 'api_v1'],
    ['api', 'api'],
    ['/', ''],
    ['/a/b#frag', 'a_b'],
  ])('%s -> %s', (input, expected) => {
    expect(sanitizePath(input)).toBe(expected);
  });
});

describe('defaultRuleName', () => {
  it('uses the first three segments, the limit and the period in seconds', () => {
    expect(defaultRuleName('/api/v1/tasks/task', 10, 3600)).toBe('api_v1_tasks:10:3600');
    expect(defaultRuleName('api_v1_tasks_task', 10, 3600)).toBe('api_v1_tasks:10:3600');
    expect(defaultRuleName('/api/v1/tasks/task?x=1', 5, 60)).toBe('api_v1_tasks:5:60');
    expect(defaultRuleName('/health', 1, 1)).toBe('health:1:1');
  });
});

describe('PathMemo', () => {
  const inputs = [
    '/api/v1/tasks/task',
    '/api/v1/tasks/task?x=1',
    '/api/v1/tasks/task?x=2#top',
    '/api/v1/tasks/task/',
    '//api/v1//',
    '/',
    '/a/b#frag',
    '/a/b?q=/c/d',
  ];

  it('answers exactly as sanitizePath, first time and memoised', () => {
    const memo = new PathMemo();
    for (let round = 0; round < 2; round++) {
      for (const input of inputs) expect(memo.sanitize(input)).toBe(sanitizePath(input));
    }
  });

  it('remembers a path once however its query string varies', () => {
    const memo = new PathMemo();
    for (let i = 0; i < 100; i++) memo.sanitize(`/api/v1/tasks?page=${i}`);
    expect(memo.size).toBe(1);
    expect(memo.sanitize('/api/v1/tasks?page=x')).toBe('api_v1_tasks');
  });

  it('stays bounded under a flood of distinct paths', () => {
    const memo = new PathMemo(64);
    for (let i = 0; i < 10_000; i++) {
      expect(memo.sanitize(`/users/${i}/`)).toBe(`users_${i}`);
      expect(memo.size).toBeLessThanOrEqual(64);
    }
  });
});

describe('requestPath', () => {
  it.each([
    ['/api/v1/Tasks?x=1', true, '/api/v1/Tasks?x=1'],
    ['/api/v1/Tasks?x=1', false, '/api/v1/tasks?x=1'],
    ['http://a.example/api/v1/Tasks?x=1', true, '/api/v1/Tasks'],
    ['http://B.example:8080/API', false, '/api'],
    ['*', true, '*'],
    ['not a url', false, 'not a url'],
  ])('%s (case-sensitive %s) -> %s', (target, caseSensitive, expected) => {
    expect(requestPath(target, caseSensitive)).toBe(expected);
  });
});
