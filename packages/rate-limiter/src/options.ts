import { parseDuration } from './duration.js';
import { describe, invalidOption, RateLimiterError } from './errors.js';
import type {
  Algorithm,
  Logger,
  RateLimiterOptions,
  RateLimitStore,
  ResolveRule,
  RuleContext,
  StoreErrorPolicy,
} from './types.js';

export const ALGORITHMS: readonly Algorithm[] = ['fixed-window', 'sliding-window', 'token-bucket'];
const POLICIES: readonly StoreErrorPolicy[] = ['allow', 'deny', 'memory'];
const MAX_TIMER_MS = 2 ** 31 - 1;

/** `createRateLimiter` options after validation, with defaults applied and durations in ms. */
export interface ResolvedOptions {
  store: RateLimitStore;
  defaultLimit: number;
  defaultPeriodMs: number;
  resolveRule: ResolveRule | undefined;
  ruleCacheKey: (ctx: RuleContext) => string;
  algorithm: Algorithm;
  ruleCacheTtl: number;
  ruleTimeout: number;
  onStoreError: StoreErrorPolicy;
  storeTimeout: number;
  logger: Logger;
  prefix: string;
  maxBlockedCallers: number;
}

const tierAndPath = ({ identity, path }: RuleContext) => `${identity.tier ?? ''}\u0000${path}`;

/** Checks a limit: a positive safe integer. */
export function checkLimit(option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw invalidOption(option, 'must be a positive integer', value);
  }
  return value;
}

/** Checks a period (seconds or a duration string) and returns milliseconds. */
export function checkPeriod(option: string, value: unknown): number {
  try {
    return parseDuration(value as never);
  } catch {
    throw invalidOption(
      option,
      'must be a positive whole number of seconds or a duration string like "1 h"',
      value,
    );
  }
}

function checkNonNegative(option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw invalidOption(option, 'must be a non-negative number', value);
  }
  return value;
}

/** A timer length in ms: positive, and short enough for setTimeout. */
function checkTimeout(option: string, value: unknown, fallback: number): number {
  const ms = checkNonNegative(option, value, fallback);
  if (ms === 0) throw invalidOption(option, 'must be greater than 0', 0);
  // Node runs a longer setTimeout after 1 ms, which would time out every call at once.
  if (ms > MAX_TIMER_MS) throw invalidOption(option, `must be at most ${MAX_TIMER_MS} ms`, ms);
  return ms;
}

/** Validates `createRateLimiter` options once, so a bad configuration never reaches a request. */
export function resolveOptions(options: RateLimiterOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object') {
    throw new RateLimiterError(
      'E_INVALID_OPTION',
      `options must be an object (got ${describe(options)})`,
    );
  }
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
  if (typeof defaultRule !== 'object' || defaultRule === null) {
    throw invalidOption('defaultRule', 'must be { limit, period }', defaultRule);
  }
  const algorithm = options.algorithm ?? 'fixed-window';
  if (!ALGORITHMS.includes(algorithm)) {
    throw invalidOption('algorithm', `must be one of ${ALGORITHMS.join(', ')}`, algorithm);
  }
  const onStoreError = options.onStoreError ?? 'allow';
  if (!POLICIES.includes(onStoreError)) {
    throw invalidOption('onStoreError', `must be one of ${POLICIES.join(', ')}`, onStoreError);
  }
  for (const name of ['resolveRule', 'ruleCacheKey'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') {
      throw invalidOption(name, 'must be a function', options[name]);
    }
  }
  const logger = options.logger ?? console;
  if (typeof logger?.warn !== 'function' || typeof logger.error !== 'function') {
    throw invalidOption('logger', 'must have warn() and error() methods', logger);
  }
  const prefix = options.prefix ?? 'ratelimit';
  if (typeof prefix !== 'string' || prefix === '' || /[{}]/.test(prefix)) {
    throw invalidOption('prefix', 'must be a non-empty string without { or }', prefix);
  }
  return {
    store,
    defaultLimit: checkLimit('defaultRule.limit', defaultRule.limit),
    defaultPeriodMs: checkPeriod('defaultRule.period', defaultRule.period),
    resolveRule: options.resolveRule,
    ruleCacheKey: options.ruleCacheKey ?? tierAndPath,
    algorithm,
    ruleCacheTtl: checkNonNegative('ruleCacheTtl', options.ruleCacheTtl, 5000),
    ruleTimeout: checkTimeout('ruleTimeout', options.ruleTimeout, 1000),
    onStoreError,
    storeTimeout: checkTimeout('storeTimeout', options.storeTimeout, 250),
    logger,
    prefix,
    maxBlockedCallers: checkNonNegative('maxBlockedCallers', options.maxBlockedCallers, 10_000),
  };
}
