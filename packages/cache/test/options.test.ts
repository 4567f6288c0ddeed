import { describe, expect, it } from 'vitest';
import { CacheError, createCache } from '../src/index.js';
import { memoryStore } from '../src/stores/memory.js';

const store = memoryStore();

function optionOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(CacheError);
    expect((error as CacheError).code).toBe('E_INVALID_OPTION');
    expect((error as CacheError).message).toMatch(/^\[@kit\/cache\]/);
    return (error as CacheError).option;
  }
  throw new Error('expected a CacheError');
}

describe('createCache options', () => {
  it('names the bad option', () => {
    expect(optionOf(() => createCache({} as never))).toBe('store');
    expect(optionOf(() => createCache({ store, timeout: -5 }))).toBe('timeout');
    expect(optionOf(() => createCache({ store, timeout: 'soon' as never }))).toBe('timeout');
    expect(optionOf(() => createCache({ store, clientMaxAge: -1 }))).toBe('clientMaxAge');
    expect(optionOf(() => createCache({ store, xCacheHeader: 'yes' as never }))).toBe(
      'xCacheHeader',
    );
    expect(optionOf(() => createCache({ store, logger: {} as never }))).toBe('logger');
    expect(optionOf(() => createCache({ store, expiration: 5 } as never))).toBe('expiration');
    expect(optionOf(() => createCache({ store, ttl: -5 }))).toBe('ttl');
    expect(optionOf(() => createCache({ store, l1Ttl: 'soon' as never }))).toBe('l1Ttl');
    expect(optionOf(() => createCache({ store, lockTimeout: 0 }))).toBe('lockTimeout');
    expect(optionOf(() => createCache({ store, l1: {} as never }))).toBe('l1');
    expect(optionOf(() => createCache({ store, l1: store }))).toBe('l1');
    expect(optionOf(() => createCache({ store, bus: {} as never }))).toBe('bus');
    expect(optionOf(() => createCache({ store, serializer: {} as never }))).toBe('serializer');
    expect(optionOf(() => createCache({ store, serializer: null as never }))).toBe('serializer');
  });

  it('accepts duration strings', () => {
    expect(() => createCache({ store, timeout: '150 ms', clientMaxAge: '1 min' })).not.toThrow();
    expect(() => createCache({ store, invalidationTimeout: '2 hrs', timeout: 0.5 })).not.toThrow();
  });

  it('shows the bad value, and the store, in the message', () => {
    expect(() => createCache({ store, timeout: 'soon' as never })).toThrow(
      '[@kit/cache] option `timeout` must be a number of seconds or a duration string like "1 h" or "500 ms" (got "soon")',
    );
    expect(() => memoryStore({ maxEntries: 0 })).toThrow(
      '[@kit/cache] [memory] option `maxEntries` must be a positive integer (got 0)',
    );
  });
});

describe('route options', () => {
  const appCache = createCache({ store });

  it('names the bad option', () => {
    expect(optionOf(() => appCache.route({ keyPrefix: '{user' }))).toBe('keyPrefix');
    expect(optionOf(() => appCache.route({ keyPrefix: 'x', expiration: -1 }))).toBe('expiration');
    expect(optionOf(() => appCache.route({ keyPrefix: 'x', expiration: 0 }))).toBe('expiration');
    expect(
      optionOf(() => appCache.route({ keyPrefix: 'x', resourceIdType: 'uuid' as never })),
    ).toBe('resourceIdType');
    expect(
      optionOf(() => appCache.route({ keyPrefix: 'x', patternToInvalidateExtra: ['{a'] })),
    ).toBe('patternToInvalidateExtra');
    expect(
      optionOf(() => appCache.route({ keyPrefix: 'x', toInvalidateExtra: { '{a}': '{b' } })),
    ).toBe('toInvalidateExtra');
    expect(optionOf(() => appCache.route({ keyPrefix: 'x', expire: 3 } as never))).toBe('expire');
  });

  it('refuses invalidation options on a read route', () => {
    let message = '';
    try {
      appCache.route({ keyPrefix: 'x', expiration: 60, patternToInvalidateExtra: ['x:*'] });
    } catch (error) {
      message = (error as Error).message;
      expect((error as CacheError).option).toBe('patternToInvalidateExtra');
    }
    expect(message).toMatch(/invalidation on a read route.*expiration/);
  });

  it('classifies routes by their options', () => {
    expect(appCache.route({ keyPrefix: 'x' }).kind).toBe('read');
    expect(appCache.route({ keyPrefix: 'x', toInvalidateExtra: { y: 'z' } }).kind).toBe('write');
  });
});
