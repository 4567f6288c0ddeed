import { describe, expect, it } from 'vitest';
import { defaultRuleName, sanitizePath } from '../src/index.js';

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
