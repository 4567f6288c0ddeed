import { parseDuration } from './duration.js';
import { invalidOption } from './errors.js';
import { compileTemplate, type KeyTemplate } from './key-template.js';
import type {
  CacheLogger,
  CacheOptions,
  CacheStore,
  CacheVisibility,
  RouteOptions,
} from './types.js';

/** Instance options, checked and converted once. */
export interface ResolvedCacheOptions {
  store: CacheStore;
  timeoutMs: number;
  invalidationTimeoutMs: number;
  clientMaxAge: number;
  xCacheHeader: boolean;
  logger: CacheLogger;
}

const CACHE_OPTIONS = new Set([
  'store',
  'timeout',
  'invalidationTimeout',
  'clientMaxAge',
  'xCacheHeader',
  'logger',
]);

const READ_OPTIONS = [
  'expiration',
  'staleWhileRevalidate',
  'clientMaxAge',
  'cacheControl',
] as const;
const WRITE_OPTIONS = ['toInvalidateExtra', 'patternToInvalidateExtra'] as const;
const ROUTE_OPTIONS = new Set<string>([
  'keyPrefix',
  'resourceIdName',
  'resourceIdType',
  'defaults',
  ...READ_OPTIONS,
  ...WRITE_OPTIONS,
]);

const consoleLogger: CacheLogger = {
  warn: (details, message) => console.warn(message, details),
  error: (details, message) => console.error(message, details),
};

function rejectUnknown(options: object, known: Set<string>, scope: string): void {
  for (const name of Object.keys(options)) {
    if (!known.has(name)) {
      throw invalidOption(name, `is not a known ${scope} option (known: ${[...known].join(', ')})`);
    }
  }
}

export function resolveCacheOptions(options: CacheOptions): ResolvedCacheOptions {
  if (typeof options !== 'object' || options === null) {
    throw invalidOption('options', 'must be an object with at least `store`');
  }
  rejectUnknown(options, CACHE_OPTIONS, 'createCache');
  const { store, logger = consoleLogger } = options;
  const storeMethods = ['get', 'set', 'delete', 'deletePattern'] as const;
  if (!store || storeMethods.some((method) => typeof store[method] !== 'function')) {
    throw invalidOption('store', 'must be a store such as memoryStore() or redisStore({ client })');
  }
  if (typeof logger?.warn !== 'function' || typeof logger.error !== 'function') {
    throw invalidOption('logger', 'must have warn(details, message) and error(details, message)');
  }
  if (options.xCacheHeader !== undefined && typeof options.xCacheHeader !== 'boolean') {
    throw invalidOption('xCacheHeader', 'must be a boolean');
  }
  return {
    store,
    logger,
    timeoutMs: parseDuration(options.timeout ?? 200, 'timeout', 1),
    invalidationTimeoutMs: parseDuration(
      options.invalidationTimeout ?? 2000,
      'invalidationTimeout',
      1,
    ),
    clientMaxAge: Math.floor(
      parseDuration(options.clientMaxAge ?? 60, 'clientMaxAge', 1000, { allowZero: true }) / 1000,
    ),
    xCacheHeader: options.xCacheHeader ?? true,
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
  if (typeof options !== 'object' || options === null) {
    throw invalidOption('options', 'must be an object with at least `keyPrefix`');
  }
  rejectUnknown(options, ROUTE_OPTIONS, 'route');
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
  if (resourceIdType !== 'integer' && resourceIdType !== 'string') {
    throw invalidOption(
      'resourceIdType',
      `must be 'integer' or 'string', got ${String(resourceIdType)}`,
    );
  }
  if (!['auto', 'public', 'private'].includes(cacheControl)) {
    throw invalidOption('cacheControl', `must be 'auto', 'public' or 'private'`);
  }
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
    expirationMs: parseDuration(options.expiration ?? 3600, 'expiration', 1000),
    staleMs: parseDuration(options.staleWhileRevalidate ?? 0, 'staleWhileRevalidate', 1000, {
      allowZero: true,
    }),
    clientMaxAge:
      options.clientMaxAge === undefined
        ? undefined
        : Math.floor(
            parseDuration(options.clientMaxAge, 'clientMaxAge', 1000, { allowZero: true }) / 1000,
          ),
    cacheControl,
    extraKeys: Object.entries(extra).map(([prefix, id]) => ({
      prefix: compileTemplate(prefix, 'toInvalidateExtra'),
      id: compileTemplate(String(id), 'toInvalidateExtra'),
    })),
    patterns: patterns.map((pattern) => compileTemplate(pattern, 'patternToInvalidateExtra')),
  };
}
