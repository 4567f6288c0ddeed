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
      { store, defaultRule: { limit: 1, period: 'often' as never } },
      '`defaultRule.period`',
    ],
    ['unknown algorithm', { store, algorithm: 'leaky' as never }, '`algorithm`'],
    ['unknown policy', { store, onStoreError: 'retry' as never }, '`onStoreError`'],
    ['negative rule cache ttl', { store, ruleCacheTtl: -1 }, '`ruleCacheTtl`'],
    ['zero store timeout', { store, storeTimeout: 0 }, '`storeTimeout`'],
    // Node fires a longer setTimeout after 1 ms: every store call would time out at once.
    ['store timeout past setTimeout range', { store, storeTimeout: 2 ** 31 }, '`storeTimeout`'],
    ['zero rule timeout', { store, ruleTimeout: 0 }, '`ruleTimeout`'],
    ['rule timeout not a duration', { store, ruleTimeout: 'soon' as never }, '`ruleTimeout`'],
    ['an unknown option', { store, storeTimeoutMs: 5 } as never, '`storeTimeoutMs`'],
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

  it('reads every duration option the same way: seconds or a string with its unit', () => {
    expect(() =>
      createRateLimiter({
        store,
        defaultRule: { limit: 1, period: '2 hrs' },
        ruleCacheTtl: 0,
        ruleTimeout: '500 milliseconds',
        storeTimeout: 0.25,
      }),
    ).not.toThrow();
  });

  it('shows the bad value in the message', () => {
    const error = creationError({ store, storeTimeout: 'soon' as never });
    expect(error.message).toBe(
      '[@kit/rate-limiter] option `storeTimeout` must be a number of seconds or a duration string like "1 h" or "500 ms" (got "soon")',
    );
    expect(error.option).toBe('storeTimeout');
  });
});
