import { type Logger, pickLogger } from '@kit/internal';
import { check } from './checks.js';
import { invalidOption } from './errors.js';
import { compileTemplate, type KeyTemplate } from './key-template.js';
import type { CacheOptions, CacheStore, CacheVisibility, RouteOptions } from './types.js';

/** Instance options, checked and converted once. */
export interface ResolvedCacheOptions {
  store: CacheStore;
  timeoutMs: number;
  invalidationTimeoutMs: number;
  /** Whole seconds. */
  clientMaxAge: number;
  xCacheHeader: boolean;
  logger: Logger;
}

const CACHE_OPTIONS: readonly (keyof CacheOptions)[] = [
  'store',
  'timeout',
  'invalidationTimeout',
  'clientMaxAge',
  'xCacheHeader',
  'logger',
];

const READ_OPTIONS = [
  'expiration',
  'staleWhileRevalidate',
  'clientMaxAge',
  'cacheControl',
] as const;
const WRITE_OPTIONS = ['toInvalidateExtra', 'patternToInvalidateExtra'] as const;
const ROUTE_OPTIONS: readonly string[] = [
  'keyPrefix',
  'resourceIdName',
  'resourceIdType',
  'defaults',
  ...READ_OPTIONS,
  ...WRITE_OPTIONS,
];

/** A `max-age` in whole seconds (HTTP has no finer unit). */
function maxAgeSeconds(option: string, value: unknown, fallback: unknown): number {
  return Math.floor(check.duration(option, value, fallback, { allowZero: true }) / 1000);
}

export function resolveCacheOptions(options: CacheOptions): ResolvedCacheOptions {
  check.object(options, 'options', 'an object with at least `store`');
  check.knownKeys(options, CACHE_OPTIONS, 'createCache');
  const { store } = options;
  const storeMethods = ['get', 'set', 'delete', 'deletePattern'] as const;
  if (!store || storeMethods.some((method) => typeof store[method] !== 'function')) {
    throw invalidOption('store', 'must be a store such as memoryStore() or redisStore({ client })');
  }
  const logger = pickLogger(options.logger);
  if (typeof logger?.warn !== 'function' || typeof logger.error !== 'function') {
    throw invalidOption('logger', 'must have warn(details, message) and error(details, message)');
  }
  return {
    store,
    logger,
    timeoutMs: check.duration('timeout', options.timeout, '200 ms', { timer: true }),
    invalidationTimeoutMs: check.duration(
      'invalidationTimeout',
      options.invalidationTimeout,
      '2 s',
      { timer: true },
    ),
    clientMaxAge: maxAgeSeconds('clientMaxAge', options.clientMaxAge, 60),
    xCacheHeader: check.boolean('xCacheHeader', options.xCacheHeader, true),
  };
}

/** A route's options, checked and compiled once. */
export interface ResolvedRouteOptions {
  /** `write` when invalidation options are declared: such a route never caches a read. */
  kind: 'read' | 'write';
  keyPrefix: KeyTemplate;
  resourceIdName: string | undefined;
  resourceIdType: 'integer' | 'string';
  defaults: Record<string, string>;
  expirationMs: number;
  staleMs: number;
  clientMaxAge: number | undefined;
  cacheControl: CacheVisibility;
  extraKeys: ReadonlyArray<{ prefix: KeyTemplate; id: KeyTemplate }>;
  patterns: readonly KeyTemplate[];
}

export function resolveRouteOptions(options: RouteOptions): ResolvedRouteOptions {
  check.object(options, 'options', 'an object with at least `keyPrefix`');
  check.knownKeys(options, ROUTE_OPTIONS, 'route');
  const readSet = READ_OPTIONS.filter((name) => options[name] !== undefined);
  const writeSet = WRITE_OPTIONS.filter((name) => options[name] !== undefined);
  if (readSet.length > 0 && writeSet.length > 0) {
    throw invalidOption(
      writeSet[0]!,
      `declares invalidation on a read route (it also sets ${readSet.join(', ')}); ` +
        'use one cache() for the GET route and another for the writes',
    );
  }
  const { resourceIdName, resourceIdType = 'integer', cacheControl = 'auto' } = options;
  if (resourceIdName !== undefined && (typeof resourceIdName !== 'string' || !resourceIdName)) {
    throw invalidOption('resourceIdName', 'must be a non-empty string');
  }
  check.oneOf('resourceIdType', resourceIdType, ['integer', 'string'], 'integer');
  check.oneOf('cacheControl', cacheControl, ['auto', 'public', 'private'], 'auto');
  const defaults: Record<string, string> = {};
  if (options.defaults !== undefined) {
    if (typeof options.defaults !== 'object' || options.defaults === null) {
      throw invalidOption('defaults', 'must be an object of placeholder values');
    }
    for (const [name, value] of Object.entries(options.defaults)) defaults[name] = String(value);
  }
  const extra = options.toInvalidateExtra ?? {};
  if (typeof extra !== 'object' || extra === null || Array.isArray(extra)) {
    throw invalidOption(
      'toInvalidateExtra',
      "must be an object like { '{username}_posts': '{username}' }",
    );
  }
  const patterns = options.patternToInvalidateExtra ?? [];
  if (!Array.isArray(patterns)) {
    throw invalidOption('patternToInvalidateExtra', "must be an array like ['{username}_posts:*']");
  }
  return {
    kind: writeSet.length > 0 ? 'write' : 'read',
    keyPrefix: compileTemplate(options.keyPrefix, 'keyPrefix'),
    resourceIdName,
    resourceIdType,
    defaults,
    expirationMs: check.duration('expiration', options.expiration, 3600),
    staleMs: check.duration('staleWhileRevalidate', options.staleWhileRevalidate, 0, {
      allowZero: true,
    }),
    clientMaxAge:
      options.clientMaxAge === undefined
        ? undefined
        : maxAgeSeconds('clientMaxAge', options.clientMaxAge, undefined),
    cacheControl,
    extraKeys: Object.entries(extra).map(([prefix, id]) => ({
      prefix: compileTemplate(prefix, 'toInvalidateExtra'),
      id: compileTemplate(String(id), 'toInvalidateExtra'),
    })),
    patterns: patterns.map((pattern) => compileTemplate(pattern, 'patternToInvalidateExtra')),
  };
}
