/**
 * `@kit/cache`: caches the JSON responses of request handlers under keys built from the
 * request's parameters, and invalidates keys and key patterns on writes.
 * Stores live in `@kit/cache/memory` and `@kit/cache/redis`; adapters in
 * `@kit/cache/express`, `@kit/cache/hono` and `@kit/cache/fastify`.
 */

export type {
  CacheNamespace,
  GetOrSetOptions,
  InvalidateOptions,
  SetOptions,
} from './data-api.js';
export { CacheError, type CacheErrorCode } from './errors.js';
export type { CachedRoute, RunHandler } from './http/cached-route.js';
export type {
  CacheReply,
  CacheRequestInfo,
  CacheStep,
  Captured,
  HandlerResponse,
  HeaderSource,
  InvalidateStep,
  PassStep,
  ReadStep,
} from './http/types.js';
export type { CacheInstance, CacheRequest, CacheResponse } from './instance.js';
export { createCache } from './instance.js';
export { formatKey, formatPattern } from './key-template.js';
export type * from './types.js';
