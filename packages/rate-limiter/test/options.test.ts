import { describe, expect, it } from 'vitest';
import { createRateLimiter, RateLimiterError, type RateLimiterOptions } from '../src/index.js';
import { memoryStore } from '../src/stores/memory.js';

const store = memoryStore();

function creationError(options: Partial<RateLimiterOptions>): RateLimiterError {
  try {
    createRateLimiter(options as RateLimiterOptions);
  } catch (error) {
    return error as RateLimiterError;
  }
  throw new Error('expected createRateLimiter to throw');
}

describe('createRateLimiter option checks', () => {
  it.each<[string, Partial<RateLimiterOptions>, string]>([
    ['missing store', {}, '`store`'],
    ['store without methods', { store: {} as never }, '`store`'],
    ['zero limit', { store, defaultRule: { limit: 0, period: 60 } }, '`defaultRule.limit`'],
    ['fractional limit', { store, defaultRule: { limit: 1.5, period: 60 } }, '`defaultRule.limit`'],
    ['negative period', { store, defaultRule: { limit: 1, period: -5 } }, '`defaultRule.period`'],
    [
      'bad period string',
      { store, defaultRule: { limit: 1, period: 'often' } },
      '`defaultRule.period`',
    ],
    ['unknown algorithm', { store, algorithm: 'leaky' as never }, '`algorithm`'],
    ['unknown policy', { store, onStoreError: 'retry' as never }, '`onStoreError`'],
    ['negative rule cache ttl', { store, ruleCacheTtl: -1 }, '`ruleCacheTtl`'],
    ['zero store timeout', { store, storeTimeout: 0 }, '`storeTimeout`'],
    // Node fires a longer setTimeout after 1 ms: every store call would time out at once.
    ['store timeout past setTimeout range', { store, storeTimeout: 2 ** 31 }, '`storeTimeout`'],
    ['zero rule timeout', { store, ruleTimeout: 0 }, '`ruleTimeout`'],
    ['rule timeout not a number', { store, ruleTimeout: '1s' as never }, '`ruleTimeout`'],
    ['resolveRule not a function', { store, resolveRule: 5 as never }, '`resolveRule`'],
    ['logger without warn', { store, logger: {} as never }, '`logger`'],
    ['prefix with a brace', { store, prefix: 'a{b' }, '`prefix`'],
  ])('fails at creation on %s, naming the option', (_name, options, option) => {
    const error = creationError(options);
    expect(error).toBeInstanceOf(RateLimiterError);
    expect(error.code).toBe('E_INVALID_OPTION');
    expect(error.message).toContain('[@kit/rate-limiter]');
    expect(error.message).toContain(option);
  });

  it('accepts the defaults with only a store', () => {
    expect(() => createRateLimiter({ store })).not.toThrow();
  });
});
