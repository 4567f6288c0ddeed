/**
 * `@kit/cache/redis`: the Redis store and the Redis bus, one subpath so an app imports
 * everything that needs ioredis from one place.
 */
export * from './redis.js';
export * from './redis-bus.js';
