/**
 * `@kit/cache`: caches the JSON responses of request handlers under keys built from the
 * request's parameters, and invalidates keys and key patterns on writes.
 * Stores live in `@kit/cache/memory` and `@kit/cache/redis`; adapters in
 * `@kit/cache/express` and `@kit/cache/hono`.
 */

export { decodeEntry, encodeEntry, matchesIfNoneMatch } from './entry.js';
export { CacheError, type CacheErrorCode } from './errors.js';
export { escapeGlob, globToRegExp } from './glob.js';
export type { CacheInstance, CacheRequest, CacheResponse, InvalidateOptions } from './instance.js';
export { createCache } from './instance.js';
export { encodeKeyValue, formatKey, formatPattern, resolveResourceId } from './key-template.js';
export type { InvalidationPlan } from './route.js';
export { CacheRoute, isReadMethod } from './route.js';
export type * from './types.js';
