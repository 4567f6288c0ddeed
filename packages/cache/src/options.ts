import { type Logger, pickLogger } from '@kit/internal';
import { check } from './checks.js';
import { invalidOption } from './errors.js';
import { compileTemplate, type KeyTemplate } from './key-template.js';
import type {
  CacheBus,
  CacheOptions,
  CacheStore,
  CacheVisibility,
  RouteOptions,
  Serializer,
  SingleFlight,
} from './types.js';

/** Instance options, checked and converted once. */
export interface ResolvedCacheOptions {
  store: CacheStore;
  timeoutMs: number;
  invalidationTimeoutMs: number;
  /** Whole seconds. */
  clientMaxAge: number;
  xCacheHeader: boolean;
  logger: Logger;
  l1: CacheStore | undefined;
  bus: CacheBus | undefined;
  l1TtlMs: number;
  lockTimeoutMs: number;
  ttlMs: number;
  serializer: Serializer;
  shareDecoded: boolean;
}

/** JSON, the default serializer: `undefined` (which JSON cannot hold) is refused by the API. */
export const JSON_SERIALIZER: Serializer = {
  serialize: (value) => JSON.stringify(value),
  deserialize: (text) => JSON.parse(text),
};

const CACHE_OPTIONS: readonly (keyof CacheOptions)[] = [
  'store',
  'timeout',
  'invalidationTimeout',
  'clientMaxAge',
  'xCacheHeader',
  'logger',
  'l1',
  'bus',
  'l1Ttl',
  'lockTimeout',
  'ttl',
  'serializer',
  'shareDecoded',
];

const READ_OPTIONS = [
  'expiration',
  'staleWhileRevalidate',
  'grace',
  'tags',
  'singleFlight',
  'clientMaxAge',
  'cacheControl',
] as const;
const WRITE_OPTIONS = [
  'toInvalidateExtra',
  'patternToInvalidateExtra',
  'tagsToInvalidate',
] as const;
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
  const { store, l1, bus } = options;
  if (!isStore(store)) {
    throw invalidOption('store', 'must be a store such as memoryStore() or redisStore({ client })');
  }
  if (l1 !== undefined && !isStore(l1)) {
    throw invalidOption('l1', 'must be a memory store: memoryStore({ maxEntries, maxBytes })');
  }
  if (l1 !== undefined && l1 === store) {
    throw invalidOption('l1', 'must be another store than `store`');
  }
  const busMethods = ['start', 'publish', 'close'] as const;
  if (bus !== undefined && (!bus || busMethods.some((m) => typeof bus[m] !== 'function'))) {
    throw invalidOption('bus', 'must be a bus such as redisBus({ client }) from @kit/cache/redis');
  }
  if (bus !== undefined && l1 === undefined) {
    throw invalidOption('bus', 'keeps an `l1` memory layer coherent: set `l1` too');
  }
  const { serializer = JSON_SERIALIZER } = options;
  if (
    !serializer ||
    typeof serializer.serialize !== 'function' ||
    typeof serializer.deserialize !== 'function'
  ) {
    throw invalidOption('serializer', 'must have serialize(value) and deserialize(text)');
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
    l1,
    bus,
    l1TtlMs: check.duration('l1Ttl', options.l1Ttl, '5 s', { timer: true }),
    lockTimeoutMs: check.duration('lockTimeout', options.lockTimeout, '5 s', { timer: true }),
    ttlMs: check.duration('ttl', options.ttl, '1 h'),
    serializer,
    shareDecoded: check.boolean('shareDecoded', options.shareDecoded, false),
  };
}

const STORE_METHODS = [
  'get',
  'set',
  'delete',
  'deletePattern',
  'deleteTags',
  'clear',
  'mark',
] as const;

function isStore(store: unknown): store is CacheStore {
  return (
    typeof store === 'object' &&
    store !== null &&
    STORE_METHODS.every((method) => typeof (store as CacheStore)[method] === 'function')
  );
}

/** A list of tag templates, checked. */
export function tagTemplates(option: string, tags: unknown): KeyTemplate[] {
  if (tags === undefined) return [];
  if (!Array.isArray(tags) || tags.some((tag) => typeof tag !== 'string' || tag === '')) {
    throw invalidOption(option, "must be an array of non-empty strings like ['posts:{username}']");
  }
  return tags.map((tag: string) => compileTemplate(tag, option));
}

/** `singleFlight`, checked. */
export function singleFlightOf(value: unknown): SingleFlight {
  return check.oneOf('singleFlight', value ?? 'instance', ['instance', 'global'], 'instance');
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
  graceMs: number;
  tags: readonly KeyTemplate[];
  singleFlight: SingleFlight;
  invalidateTags: readonly KeyTemplate[];
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
    graceMs: check.duration('grace', options.grace, 0, { allowZero: true }),
    tags: tagTemplates('tags', options.tags),
    singleFlight: singleFlightOf(options.singleFlight),
    invalidateTags: tagTemplates('tagsToInvalidate', options.tagsToInvalidate),
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
