import type { Duration, Logger } from '@kit/internal';

/** The algorithms every store implements, with the same semantics on each. */
export type Algorithm = 'fixed-window' | 'sliding-window' | 'token-bucket';

/** Who the caller is, as the app's `identify` callback says (e.g. from a verified JWT). */
export type Identity = { id: string; tier?: string | null };

/** One window of a rule: at most `limit` units per `period` (seconds or a string like `"1 h"`). */
export type RuleWindowInput = { limit: number; period: Duration; name?: string };

/**
 * A rule as the app gives it (`defaultRule`, `resolveRule`): one window, or several that all
 * apply at once (`[{ limit: 10, period: '1 s' }, { limit: 1000, period: '1 h' }]`): a check
 * counts in every window or, refused by any, in none.
 */
export type RuleInput = RuleWindowInput | readonly RuleWindowInput[];

/**
 * What `resolveRule` receives. `identity` is `null` for an anonymous caller (limited by IP), so
 * an app can give anonymous callers per-path rules too. `path` is the sanitized scope key: the
 * request path (`api_v1_tasks_task`) unless the middleware's `scope` says otherwise.
 */
export type RuleContext = { identity: Identity | null; path: string };

/** The app's tier lookup: the interface is the library's, the data source is the app's. */
export type ResolveRule = (
  ctx: RuleContext,
) => RuleInput | null | undefined | Promise<RuleInput | null | undefined>;

export type { Logger } from '@kit/internal';

/** One window of a rule as a store sees it: at most `limit` units per `periodMs`. */
export interface StoreWindow {
  limit: number;
  periodMs: number;
}

/** What the limiter asks a store to do, in milliseconds. */
export interface StoreRequest {
  /** Base key, e.g. `ratelimit:{u:42:api_v1_tasks}`; stores may append suffixes to it. */
  key: string;
  algorithm: Algorithm;
  /**
   * Every window of the rule, at least one, sorted by `periodMs` ascending, no two with the same
   * period. A consume counts in every window or in none, atomically. Stores keep each window's
   * state under keys that start with `key`, so a hash tag in it keeps them in one Cluster slot.
   */
  windows: readonly StoreWindow[];
  cost: number;
  /**
   * Once a consume is refused, the key stays refused for this many ms, whatever its windows say
   * (`blockDuration`), held in the store so every process agrees. `0`: no block.
   */
  blockMs: number;
}

/** A store's answer. `resetAt` is epoch milliseconds on the store's clock. */
export interface StoreResult {
  allowed: boolean;
  /** Of the reported window (see `window`). */
  remaining: number;
  /** When the reported window resets (the bucket is full again); during a block, its end. */
  resetAt: number;
  /** 0 when allowed; otherwise how long until a request of this cost could pass. */
  retryAfterMs: number;
  /**
   * Index in `windows` of the window reported: when refused, the one that refuses longest;
   * when allowed, the one with the fewest units left (the shortest period among equals).
   */
  window: number;
  /** The store's clock (epoch ms) when it decided: what `adjust({ at })` gives back against. */
  at: number;
}

/** Adds to or takes from a key's usage, with no limit check: penalties, rewards, refunds. */
export interface AdjustRequest {
  key: string;
  algorithm: Algorithm;
  windows: readonly StoreWindow[];
  /** Units to add to every window (a penalty), or to take back when negative (never below 0). */
  points: number;
  /**
   * Gives back a consume made at this time (its result's `at`): only windows still in the state
   * that consume counted in are adjusted, so a refund after a window rolled over gives nothing
   * to the new window. Absent: the current windows.
   */
  at?: number;
}

/**
 * A rate-limit store: one atomic operation per algorithm, never get-then-set.
 * `memoryStore()` and `redisStore({ client })` implement it; so can anything else, checked by
 * `runRateLimitStoreSuite` from `@kit/rate-limiter/test-suite`.
 */
export interface RateLimitStore {
  /** Counts the request in every window if it fits in all of them, atomically. */
  consume(request: StoreRequest): Promise<StoreResult>;
  /** Says what `consume` would answer, without counting anything. */
  peek(request: StoreRequest): Promise<StoreResult>;
  /** Adds or takes back usage without a limit check (see `AdjustRequest`). */
  adjust(request: AdjustRequest): Promise<void>;
  /** Forgets the caller's usage for `key` in these windows, for every algorithm, and any block. */
  reset(request: { key: string; windows: readonly StoreWindow[] }): Promise<void>;
  /**
   * `false` when the store knows it cannot answer now (e.g. Redis disconnected), so the
   * limiter applies its outage policy at once instead of waiting on a command queue.
   */
  isReady?(): boolean;
}

/** What `onStoreError` does when the store fails or is slower than `storeTimeout`. */
export type StoreErrorPolicy = 'allow' | 'deny' | 'memory';

/** One window of the rule that applied, in milliseconds. */
export interface AppliedWindow {
  /** The window's own name, for the `RateLimit-Policy` header. */
  name: string;
  limit: number;
  periodMs: number;
}

/** The rule that applied to a check. */
export interface AppliedRule {
  /** `tier` when `resolveRule` returned a rule (also for an anonymous caller), `default` otherwise. */
  source: 'tier' | 'default';
  /** The first window's name. */
  name: string;
  /** The caller's tier; `null` for anonymous callers and users without one. */
  tier: string | null;
  /** The first (shortest) window's limit. */
  limit: number;
  /** The first (shortest) window's period. */
  periodMs: number;
  /** Every window, shortest period first: one for a plain `{ limit, period }` rule. */
  windows: readonly AppliedWindow[];
}

/** The outcome of `limiter.check()` / `limiter.peek()`. A denial is a result, not an error. */
export interface RateLimitResult {
  allowed: boolean;
  /** The reported window's limit (see `window`). */
  limit: number;
  /** Units left in the reported window. */
  remaining: number;
  /** Epoch milliseconds when the reported window resets (bucket refills, block ends). */
  resetAt: number;
  /** Whole seconds to wait before retrying; 0 when allowed. */
  retryAfter: number;
  rule: AppliedRule;
  /**
   * The most restrictive window: when refused, the one that refuses longest; when allowed,
   * the one with the fewest units left.
   */
  window: AppliedWindow;
  /** The store key of this caller and scope, e.g. `ratelimit:{ip:203.0.113.7:api_v1_tasks}`. */
  key: string;
  /** The sanitized scope key the rule was resolved for (the path, route or custom scope). */
  scope: string;
  /** Whether the caller was limited as a user or by client IP. */
  subject: 'user' | 'ip';
  /** Units this check cost. */
  cost: number;
  /** Set when the store failed and the outage policy answered instead; `null` otherwise. */
  fallback: StoreErrorPolicy | null;
  /** `true` when a caller already over its limit was answered from process memory. */
  cached: boolean;
  /** `'allow'` / `'deny'` when the `allow` / `deny` list decided, with no store call; else `null`. */
  listed: 'allow' | 'deny' | null;
  /** `true` when `mode: 'shadow'` admitted a request the limit would have refused. */
  shadow: boolean;
  /** The store's clock when it decided (epoch ms), which `limiter.refund(result)` needs. */
  at: number;
}

/** What a check came to, as `onDecision` hears it. */
export type DecisionOutcome = 'allowed' | 'denied' | 'shadow' | 'fallback';

/** Handed to `onDecision` after every `check()`. */
export interface DecisionEvent {
  /**
   * `allowed` / `denied` by the limit (or a list: see `result.listed`); `shadow`: refused by the
   * limit, admitted by `mode: 'shadow'`; `fallback`: the store failed and `onStoreError` answered.
   */
  outcome: DecisionOutcome;
  /** The rule's name (its first window's). */
  rule: string;
  /** The sanitized scope key (path, route or custom scope). */
  scope: string;
  /** How long the store took, in ms; `null` when no store call was made (a list, the memo). */
  storeLatencyMs: number | null;
  result: RateLimitResult;
}

/**
 * Who is never limited (`allow`) or always refused (`deny`), decided before the store (no
 * store call): IPs and CIDRs (`'10.0.0.0/8'`, `'::1'`), user ids, or a predicate of the check.
 */
export type ListOption =
  | { ips?: readonly string[]; users?: readonly string[] }
  | ((input: CheckInput) => boolean);

/** Input of `check`, `peek` and `reset`. */
export interface CheckInput {
  /**
   * The scope key: the request path (the query string is ignored), a route pattern or any
   * name. Sanitized before rule lookup and keying.
   */
  path: string;
  /** The authenticated caller; `null`/`undefined` means anonymous (limited by `ip`). */
  identity?: Identity | null;
  /** Client IP: the key when there is no identity; matched by `allow` / `deny` IP lists always. */
  ip?: string | null;
  /** How many units the request costs. @default 1 */
  cost?: number;
}

/** Options of `createRateLimiter`. */
export interface RateLimiterOptions {
  /** Where counters live: `memoryStore()` or `redisStore({ client })`. Required. */
  store: RateLimitStore;
  /**
   * Limit for anonymous callers and for users whose tier has no rule for the path.
   * @default { limit: 10, period: 3600 }
   */
  defaultRule?: RuleInput;
  /**
   * Rule lookup, asked for users and anonymous callers (`identity: null`) alike; `null` /
   * `undefined` means "use the default rule" (for a user, a warning is logged).
   */
  resolveRule?: ResolveRule;
  /**
   * Cache key for memoised rules. Rules are memoised per (tier, path) unless this says otherwise;
   * return something that includes the user id if `resolveRule` depends on it.
   * @default per (tier, path), anonymous callers apart from users without a tier
   */
  ruleCacheKey?: (ctx: RuleContext) => string;
  /** @default 'fixed-window' */
  algorithm?: Algorithm;
  /** How long a resolved rule is memoised in process; `0` disables. @default '5 s' */
  ruleCacheTtl?: Duration;
  /**
   * How long to wait for `resolveRule`; a slower (or hung) lookup is logged and the default
   * rule applies to that request, so a stuck database never stalls every request.
   * @default '1 s'
   */
  ruleTimeout?: Duration;
  /** What a store failure or timeout means. Every failure is logged (at most every 10 s). @default 'allow' */
  onStoreError?: StoreErrorPolicy;
  /** How long to wait for the store before applying `onStoreError`. @default '250 ms' */
  storeTimeout?: Duration;
  /**
   * Where warnings and errors go: pino, or anything with `warn(details, message)` and
   * `error(details, message)`. By default, one line per event on the console.
   */
  logger?: Logger | Console;
  /** First segment of every key. @default 'ratelimit' */
  prefix?: string;
  /**
   * Callers over their limit remembered in process memory, on a shared store (Redis): each is
   * answered without a store round trip for up to a second (never past its retry time), so
   * another process's reward, reset or penalty is seen within a second. `0` disables it.
   * @default 10000
   */
  maxBlockedCallers?: number;
  /**
   * Once refused, a caller stays refused this long (seconds or a duration string), whatever its
   * windows say; held in the store, so every instance agrees. `0`: no block.
   * @default 0
   */
  blockDuration?: Duration;
  /** Callers never limited (no store call, no headers). */
  allow?: ListOption;
  /** Callers always refused (no store call): `result.listed === 'deny'`. */
  deny?: ListOption;
  /**
   * `'shadow'` counts as usual but never refuses: what would have been refused is admitted with
   * `result.shadow === true` and logged, to roll a new tier out safely.
   * @default 'enforce'
   */
  mode?: 'enforce' | 'shadow';
  /** Called after every `check()`, e.g. for metrics (see `@kit/rate-limiter/otel`). Never awaited. */
  onDecision?: (event: DecisionEvent) => void;
}

/** A rate limiter made by `createRateLimiter`. */
export interface RateLimiter {
  /** Counts the request and says whether it may proceed. Never throws for a denial or a store outage. */
  check(input: CheckInput): Promise<RateLimitResult>;
  /** Like `check` without counting. */
  peek(input: CheckInput): Promise<RateLimitResult>;
  /** Forgets the caller's usage (and any block) on this path. */
  reset(input: CheckInput): Promise<void>;
  /**
   * Adds `points` to the caller's usage in every window of its rule, with no limit check: for
   * app-detected abuse. Store failures are logged, never thrown.
   * @example await limiter.penalty({ path: '/login', ip }, 3);
   */
  penalty(input: CheckInput, points: number): Promise<void>;
  /**
   * Takes `points` back from the caller's usage (never below zero) and lifts the in-process
   * memory of its refusal. Store failures are logged, never thrown.
   * @example await limiter.reward({ path: '/login', identity }, 1);
   */
  reward(input: CheckInput, points: number): Promise<void>;
  /**
   * Gives back what an admitted `check()` counted, in the windows it counted in (not in a window
   * that has begun since): `skipSuccessfulRequests` / `skipFailedRequests` use it. Does nothing
   * for a result the store did not count (refused, listed, shadow, fallback).
   */
  refund(result: RateLimitResult): Promise<void>;
  /** Drops memoised rules, e.g. after an admin changed a tier's limits. */
  invalidateRules(): void;
}
