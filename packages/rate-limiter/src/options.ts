import { type Logger, pickLogger } from '@kit/internal';
import { check } from './checks.js';
import { invalidOption } from './errors.js';
import { applyRule } from './rule-shape.js';
import type {
  Algorithm,
  DecisionEvent,
  ListOption,
  RateLimiterOptions,
  RateLimitStore,
  ResolveRule,
  RuleContext,
  RuleInput,
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
  'blockDuration',
  'allow',
  'deny',
  'mode',
  'onDecision',
];
const MODES = ['enforce', 'shadow'] as const;

/** `createRateLimiter` options after validation, with defaults applied and durations in ms. */
export interface ResolvedOptions {
  store: RateLimitStore;
  defaultRule: RuleInput;
  resolveRule: ResolveRule | undefined;
  /** The app's memo key; `undefined`: per (tier, path), without building a key (rules.ts). */
  ruleCacheKey: ((ctx: RuleContext) => string) | undefined;
  algorithm: Algorithm;
  ruleCacheTtlMs: number;
  ruleTimeoutMs: number;
  onStoreError: StoreErrorPolicy;
  storeTimeoutMs: number;
  logger: Logger;
  prefix: string;
  maxBlockedCallers: number;
  blockMs: number;
  allow: ListOption | undefined;
  deny: ListOption | undefined;
  mode: 'enforce' | 'shadow';
  onDecision: ((event: DecisionEvent) => void) | undefined;
}

/** Validates `createRateLimiter` options once, so a bad configuration never reaches a request. */
export function resolveOptions(options: RateLimiterOptions): ResolvedOptions {
  check.object(options, 'options', 'an object with at least `store`');
  check.knownKeys(options, KNOWN, 'createRateLimiter');
  const { store } = options;
  if (store === undefined || store === null) {
    throw invalidOption('store', 'is required: pass memoryStore() or redisStore({ client })');
  }
  for (const method of ['consume', 'peek', 'adjust', 'reset'] as const) {
    if (typeof store[method] !== 'function') {
      throw invalidOption(
        'store',
        `must implement ${method}(): pass memoryStore() or redisStore({ client })`,
      );
    }
  }
  const defaultRule = options.defaultRule ?? { limit: 10, period: 3600 };
  applyRule(defaultRule, 'default', null, 'default', 'defaultRule');
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
    defaultRule,
    resolveRule: check.optionalFunction('resolveRule', options.resolveRule),
    ruleCacheKey: check.optionalFunction('ruleCacheKey', options.ruleCacheKey),
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
    blockMs: check.duration('blockDuration', options.blockDuration, 0, { allowZero: true }),
    allow: checkList('allow', options.allow),
    deny: checkList('deny', options.deny),
    mode: check.oneOf('mode', options.mode, MODES, 'enforce'),
    onDecision: check.optionalFunction('onDecision', options.onDecision),
  };
}

/** Checks an `allow` / `deny` list's shape (its IPs are parsed when compiled, see lists.ts). */
function checkList(option: string, value: unknown): ListOption | undefined {
  if (value === undefined || typeof value === 'function') return value as ListOption | undefined;
  check.object(value, option, '{ ips, users } or a function');
  check.knownKeys(value as object, ['ips', 'users'], option);
  for (const field of ['ips', 'users'] as const) {
    const list = (value as Record<string, unknown>)[field];
    if (list === undefined) continue;
    if (!Array.isArray(list) || list.some((item) => typeof item !== 'string' || item === '')) {
      throw invalidOption(`${option}.${field}`, 'must be an array of non-empty strings', {
        value: list,
      });
    }
  }
  return value as ListOption;
}
