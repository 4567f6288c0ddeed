import { type Logger, pickLogger } from '@kit/internal';
import { check } from './checks.js';
import { invalidOption } from './errors.js';
import type {
  Algorithm,
  RateLimiterOptions,
  RateLimitStore,
  ResolveRule,
  RuleContext,
  StoreErrorPolicy,
} from './types.js';

export const ALGORITHMS: readonly Algorithm[] = ['fixed-window', 'sliding-window', 'token-bucket'];
const POLICIES: readonly StoreErrorPolicy[] = ['allow', 'deny', 'memory'];
const KNOWN: readonly (keyof RateLimiterOptions)[] = [
  'store',
  'defaultRule',
  'resolveRule',
  'ruleCacheKey',
  'algorithm',
  'ruleCacheTtl',
  'ruleTimeout',
  'onStoreError',
  'storeTimeout',
  'logger',
  'prefix',
  'maxBlockedCallers',
];

/** `createRateLimiter` options after validation, with defaults applied and durations in ms. */
export interface ResolvedOptions {
  store: RateLimitStore;
  defaultLimit: number;
  defaultPeriodMs: number;
  resolveRule: ResolveRule | undefined;
  ruleCacheKey: (ctx: RuleContext) => string;
  algorithm: Algorithm;
  ruleCacheTtlMs: number;
  ruleTimeoutMs: number;
  onStoreError: StoreErrorPolicy;
  storeTimeoutMs: number;
  logger: Logger;
  prefix: string;
  maxBlockedCallers: number;
}

const tierAndPath = ({ identity, path }: RuleContext) => `${identity.tier ?? ''}\u0000${path}`;

/** Checks a limit: a positive safe integer. */
export function checkLimit(option: string, value: unknown): number {
  if (value === undefined) throw invalidOption(option, 'is required', { value });
  return check.positiveInteger(option, value, 0);
}

/** Checks a period (seconds or a duration string) and returns milliseconds. */
export function checkPeriod(option: string, value: unknown): number {
  if (value === undefined) throw invalidOption(option, 'is required', { value });
  return check.duration(option, value, undefined);
}

/** Validates `createRateLimiter` options once, so a bad configuration never reaches a request. */
export function resolveOptions(options: RateLimiterOptions): ResolvedOptions {
  check.object(options, 'options', 'an object with at least `store`');
  check.knownKeys(options, KNOWN, 'createRateLimiter');
  const { store } = options;
  if (store === undefined || store === null) {
    throw invalidOption('store', 'is required: pass memoryStore() or redisStore({ client })');
  }
  for (const method of ['consume', 'peek', 'reset'] as const) {
    if (typeof store[method] !== 'function') {
      throw invalidOption(
        'store',
        `must implement ${method}(): pass memoryStore() or redisStore({ client })`,
      );
    }
  }
  const defaultRule = options.defaultRule ?? { limit: 10, period: 3600 };
  check.object(defaultRule, 'defaultRule', '{ limit, period }');
  const logger = pickLogger(options.logger);
  if (typeof logger?.warn !== 'function' || typeof logger.error !== 'function') {
    throw invalidOption('logger', 'must have warn() and error() methods', { value: logger });
  }
  const prefix = options.prefix ?? 'ratelimit';
  if (typeof prefix !== 'string' || prefix === '' || /[{}]/.test(prefix)) {
    throw invalidOption('prefix', 'must be a non-empty string without { or }', { value: prefix });
  }
  return {
    store,
    defaultLimit: checkLimit('defaultRule.limit', defaultRule.limit),
    defaultPeriodMs: checkPeriod('defaultRule.period', defaultRule.period),
    resolveRule: check.optionalFunction('resolveRule', options.resolveRule),
    ruleCacheKey: check.optionalFunction('ruleCacheKey', options.ruleCacheKey) ?? tierAndPath,
    algorithm: check.oneOf('algorithm', options.algorithm, ALGORITHMS, 'fixed-window'),
    ruleCacheTtlMs: check.duration('ruleCacheTtl', options.ruleCacheTtl, '5 s', {
      allowZero: true,
    }),
    ruleTimeoutMs: check.duration('ruleTimeout', options.ruleTimeout, '1 s', { timer: true }),
    onStoreError: check.oneOf('onStoreError', options.onStoreError, POLICIES, 'allow'),
    storeTimeoutMs: check.duration('storeTimeout', options.storeTimeout, '250 ms', {
      timer: true,
    }),
    logger,
    prefix,
    maxBlockedCallers: check.nonNegativeInteger(
      'maxBlockedCallers',
      options.maxBlockedCallers,
      10_000,
    ),
  };
}
