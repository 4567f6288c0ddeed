import { ExpiringMap, isLocalStore, LogThrottle } from '@kit/internal';
import { withCheckNow } from './check-now.js';
import { RateLimiterError } from './errors.js';
import { type KeyEntry, KeyMemo } from './key-memo.js';
import { compileList, type ListMatcher } from './lists.js';
import { resolveOptions } from './options.js';
import { PathMemo } from './path.js';
import { windowsSignature } from './rule-shape.js';
import { RuleBook } from './rules.js';
import { StoreGuard } from './store-guard.js';
import { syncPathOf } from './sync-store.js';
import type {
  AppliedRule,
  CheckInput,
  DecisionOutcome,
  Identity,
  RateLimiter,
  RateLimiterOptions,
  RateLimitResult,
  StoreErrorPolicy,
  StoreRequest,
  StoreResult,
} from './types.js';

/**
 * A caller over its limit, answered from memory until `until` for requests costing >= `cost`
 * (refused until `retryAt`),
 * as long as the rule it was refused under (same windows) still applies.
 */
interface Blocked {
  cost: number;
  signature: string;
  remaining: number;
  resetAt: number;
  until: number;
  retryAt: number;
  window: number;
  at: number;
}

/** Everything a check has worked out before it asks the store. */
interface Located {
  op: 'consume' | 'peek';
  rule: AppliedRule;
  key: string;
  /** Where an in-process store last kept the key (the key memo's entry). */
  hint?: KeyEntry;
  scope: string;
  subject: 'user' | 'ip';
  cost: number;
}

/** The longest a refusal is answered from process memory without asking the store again. */
const BLOCKED_MEMO_MS = 1000;

/** A refusal's Retry-After, in whole seconds (at least 1). */
const retrySeconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

function toResult(
  answer: StoreResult,
  at: Located,
  fallback: StoreErrorPolicy | null,
  cached: boolean,
  listed: 'allow' | 'deny' | null = null,
): RateLimitResult {
  // A fresh object per check, never one begun and filled in later: filling in fields of an
  // object made earlier measured four times slower on V8 than this literal.
  const window = at.rule.windows[answer.window] ?? at.rule.windows[0]!;
  return {
    allowed: answer.allowed,
    limit: window.limit,
    remaining: answer.remaining,
    resetAt: answer.resetAt,
    retryAfter: answer.allowed ? 0 : retrySeconds(answer.retryAfterMs),
    rule: at.rule,
    window,
    key: at.key,
    scope: at.scope,
    subject: at.subject,
    cost: at.cost,
    fallback,
    cached,
    listed,
    shadow: false,
    at: answer.at,
  };
}

function checkInput(input: CheckInput, method: string): number {
  if (input === null || typeof input !== 'object' || typeof input.path !== 'string') {
    throw new RateLimiterError('E_INVALID_ARGUMENT', `${method}() needs { path: string, ... }`);
  }
  const cost = input.cost ?? 1;
  if (!Number.isSafeInteger(cost) || cost < 1) {
    throw new RateLimiterError(
      'E_INVALID_ARGUMENT',
      `cost must be a positive integer (got ${cost})`,
    );
  }
  return cost;
}

function checkPoints(points: number, method: string): void {
  if (!Number.isSafeInteger(points) || points < 1) {
    throw new RateLimiterError(
      'E_INVALID_ARGUMENT',
      `${method}() points must be a positive integer (got ${points})`,
    );
  }
}

/** The authenticated caller, or `null` when the caller is anonymous (no usable id). */
function userOf(input: CheckInput): Identity | null {
  const identity = input.identity;
  if (identity === null || identity === undefined) return null;
  const id = identity.id as unknown;
  return (typeof id === 'string' && id !== '') || typeof id === 'number' ? identity : null;
}

/**
 * Makes a rate limiter. Options are checked here, so a bad configuration fails at startup with
 * a `RateLimiterError` (`E_INVALID_OPTION`) naming the option, never at the first request.
 *
 * @example
 * import { createRateLimiter } from '@kit/rate-limiter';
 * import { redisStore } from '@kit/rate-limiter/redis';
 *
 * const limiter = createRateLimiter({
 *   store: redisStore({ client: redis }),
 *   defaultRule: { limit: 10, period: '1 h' },
 *   resolveRule: ({ identity, path }) => rules.find(identity.tier, path), // { limit, period } | null
 * });
 * const result = await limiter.check({ path: '/api/v1/tasks', identity: { id: '42', tier: 'pro' } });
 * if (!result.allowed) console.log(`retry in ${result.retryAfter} s`);
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const resolved = resolveOptions(options);
  const { algorithm, prefix, logger, store, blockMs, onDecision } = resolved;
  const shadowMode = resolved.mode === 'shadow';
  const throttle = new LogThrottle();
  const rules = new RuleBook(resolved, throttle);
  const guard = new StoreGuard(resolved, throttle);
  // Only for a shared store, whose round trip it saves, and for at most a second: another
  // process's reward, reset or penalty is then seen within that. An in-process store answers
  // as fast as the memo, and every limiter on it agrees at once without one.
  const blocked = new ExpiringMap<Blocked>(isLocalStore(store) ? 0 : resolved.maxBlockedCallers);
  const paths = new PathMemo();
  const allowed = guardList('allow', compileList('allow', resolved.allow));
  const denied = guardList('deny', compileList('deny', resolved.deny));
  const keys = new KeyMemo(`${prefix}:{`);
  // In-process stores that answer synchronously skip a promise layer and the timeout race.
  const sync = syncPathOf(store);
  // What a rule's windows are, memoised per rule object (a rule is reused while it applies).
  const signatures = new WeakMap<AppliedRule, string>();
  const signatureOf = (rule: AppliedRule) => {
    let signature = signatures.get(rule);
    if (signature === undefined) {
      signature = windowsSignature(rule);
      signatures.set(rule, signature);
    }
    return signature;
  };

  /** A list whose predicate threw counts as "not on the list", logged: never a failed check. */
  function guardList(option: string, matches: ListMatcher | undefined): ListMatcher | undefined {
    if (matches === undefined || typeof resolved[option as 'allow'] !== 'function') return matches;
    return (input) => {
      try {
        return matches(input) === true;
      } catch (error) {
        if (throttle.shouldLog(`list:${option}`, 10_000)) {
          logger.error(
            { code: 'E_LIST_FAILED', cause: (error as Error)?.message },
            `[@kit/rate-limiter] the ${option} predicate threw; treating the caller as not listed (logged at most every 10 s)`,
          );
        }
        return false;
      }
    };
  }

  function ipOf(input: CheckInput): string {
    const ip = input.ip;
    if (typeof ip === 'string' && ip !== '') return ip;
    if (throttle.shouldLog('no-ip', 60_000)) {
      logger.warn(
        { code: 'E_INVALID_ARGUMENT' },
        '[@kit/rate-limiter] check() got neither an identity nor an ip: such callers share one "unknown" bucket',
      );
    }
    return 'unknown';
  }

  function keyOf(identity: Identity | null, input: CheckInput, path: string): KeyEntry {
    return identity === null
      ? keys.keyOf(false, ipOf(input), path)
      : keys.keyOf(true, String(identity.id), path);
  }

  /** Once per key and window of the default rule (the key is per user and scope). */
  function warnDefaultForUser(
    identity: Identity,
    path: string,
    entry: KeyEntry,
    rule: AppliedRule,
    now: number,
  ) {
    if (now < entry.quietUntil) return;
    entry.quietUntil = now + rule.periodMs;
    const tier = identity.tier ?? null;
    const tierText = tier === null ? 'none' : `"${tier}"`;
    logger.warn(
      { userId: identity.id, tier, path, limit: rule.limit, periodMs: rule.periodMs },
      `[@kit/rate-limiter] no rate-limit rule for user "${identity.id}" (tier ${tierText}) on path "${path}": applying the default ${rule.limit} per ${rule.periodMs / 1000} s`,
    );
  }

  /** Shadow mode's admission of a refusal, logged once per key and window. */
  function shadowed(result: RateLimitResult): RateLimitResult {
    if (throttle.shouldLog(`shadow:${result.key}`, result.window.periodMs)) {
      logger.warn(
        { key: result.key, rule: result.rule.name, scope: result.scope, limit: result.limit },
        `[@kit/rate-limiter] shadow mode: would have refused ${result.key} under rule "${result.window.name}" (${result.limit} per ${result.window.periodMs / 1000} s)`,
      );
    }
    return { ...result, allowed: true, retryAfter: 0, shadow: true };
  }

  function emit(result: RateLimitResult, storeLatencyMs: number | null): void {
    const outcome: DecisionOutcome =
      result.fallback !== null
        ? 'fallback'
        : result.shadow
          ? 'shadow'
          : result.allowed
            ? 'allowed'
            : 'denied';
    try {
      onDecision!({ outcome, rule: result.rule.name, scope: result.scope, storeLatencyMs, result });
    } catch (error) {
      if (throttle.shouldLog('on-decision', 10_000)) {
        logger.error(
          { code: 'E_ON_DECISION', cause: (error as Error)?.message },
          '[@kit/rate-limiter] onDecision threw; the check is unaffected (logged at most every 10 s)',
        );
      }
    }
  }

  /** The last step of every answer: shadow mode, then the decision event. */
  function finish(
    result: RateLimitResult,
    op: 'consume' | 'peek',
    startedAt: number,
  ): RateLimitResult {
    const final =
      shadowMode && !result.allowed && result.listed === null ? shadowed(result) : result;
    if (onDecision !== undefined && op === 'consume') {
      const storeCalled = !result.cached && result.listed === null;
      emit(final, storeCalled ? performance.now() - startedAt : null);
    }
    return final;
  }

  function settle(answer: StoreResult, at: Located): RateLimitResult {
    if (!answer.allowed && answer.retryAfterMs > 0) {
      const now = Date.now();
      const retryAt = now + answer.retryAfterMs;
      const until = Math.min(retryAt, now + BLOCKED_MEMO_MS);
      const entry: Blocked = {
        cost: at.cost,
        signature: signatureOf(at.rule),
        remaining: answer.remaining,
        resetAt: answer.resetAt,
        until,
        retryAt,
        window: answer.window,
        at: answer.at,
      };
      blocked.set(at.key, entry, until, now);
    }
    return toResult(answer, at, null, false);
  }

  function decide(at: Located, now: number): RateLimitResult | Promise<RateLimitResult> {
    // Nobody blocked (the usual case): skip hashing the fresh key for a lookup that must miss.
    const hit = blocked.size === 0 ? undefined : blocked.get(at.key, now);
    // A changed rule (new tier, raised or lowered limit) is the store's to judge, not the memo's.
    if (hit !== undefined && at.cost >= hit.cost && hit.signature === signatureOf(at.rule)) {
      const answer: StoreResult = {
        allowed: false,
        remaining: hit.remaining,
        resetAt: hit.resetAt,
        retryAfterMs: hit.retryAt - now,
        window: hit.window,
        at: hit.at,
      };
      return finish(toResult(answer, at, null, true), at.op, 0);
    }
    const { rule, key, cost, op, hint } = at;
    const req: StoreRequest = { key, algorithm, windows: rule.windows, cost, blockMs };
    const startedAt = onDecision === undefined ? 0 : performance.now();
    if (sync !== undefined) {
      const answer = op === 'consume' ? sync.consume(req, now, hint) : sync.peek(req, now, hint);
      return finish(settle(answer, at), op, startedAt);
    }
    return guard.run(op, req, (answer) => {
      if (answer !== undefined) return finish(settle(answer, at), op, startedAt);
      return guard
        .fallback(op, req)
        .then((p) => finish(toResult(p, at, resolved.onStoreError, false), op, startedAt));
    });
  }

  /** A caller on the `allow` or `deny` list: answered with no rule lookup and no store call. */
  function listedResult(
    listed: 'allow' | 'deny',
    identity: Identity | null,
    path: string,
    key: string,
    cost: number,
    now: number,
  ): RateLimitResult {
    const rule = rules.defaultFor(path, identity?.tier ?? null);
    const last = rule.windows.length - 1;
    const { periodMs, limit } = rule.windows[last]!;
    const refused = listed === 'deny';
    const answer: StoreResult = {
      allowed: !refused,
      remaining: refused ? 0 : limit,
      resetAt: now + periodMs,
      retryAfterMs: refused ? periodMs : 0,
      window: last,
      at: now,
    };
    const subject = identity === null ? 'ip' : 'user';
    const at: Located = { op: 'consume', rule, key, scope: path, subject, cost };
    return toResult(answer, at, null, false, listed);
  }

  /** A check, answered without a promise when the answer is at hand; throws on bad input. */
  function evaluate(
    op: 'consume' | 'peek',
    input: CheckInput,
  ): RateLimitResult | Promise<RateLimitResult> {
    const cost = checkInput(input, op === 'consume' ? 'check' : 'peek');
    const now = Date.now();
    const path = paths.sanitize(input.path);
    const identity = userOf(input);
    const entry = keyOf(identity, input, path);
    const key = entry.key;
    if (allowed?.(input)) {
      return finish(listedResult('allow', identity, path, key, cost, now), op, 0);
    }
    if (denied?.(input)) {
      return finish(listedResult('deny', identity, path, key, cost, now), op, 0);
    }
    const found = rules.resolve(identity, path, now);
    if (found instanceof Promise) {
      // The lookup took a while: read the clock again for the store.
      return found.then((rule) => located(op, identity, path, entry, cost, rule, Date.now()));
    }
    return located(op, identity, path, entry, cost, found, now);
  }

  function run(op: 'consume' | 'peek', input: CheckInput): Promise<RateLimitResult> {
    try {
      return Promise.resolve(evaluate(op, input));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  function located(
    op: 'consume' | 'peek',
    identity: Identity | null,
    path: string,
    entry: KeyEntry,
    cost: number,
    rule: AppliedRule,
    now: number,
  ): RateLimitResult | Promise<RateLimitResult> {
    if (identity !== null && rule.source === 'default') {
      warnDefaultForUser(identity, path, entry, rule, now);
    }
    const subject = identity === null ? 'ip' : 'user';
    return decide({ op, rule, key: entry.key, hint: entry, scope: path, subject, cost }, now);
  }

  /** The caller's key and rule, for the calls that change its usage. */
  async function target(input: CheckInput, method: string) {
    checkInput(input, method);
    const path = paths.sanitize(input.path);
    const identity = userOf(input);
    const rule = await rules.resolve(identity, path, Date.now());
    return { key: keyOf(identity, input, path).key, rule };
  }

  async function adjust(input: CheckInput, points: number, method: 'penalty' | 'reward') {
    checkPoints(points, method);
    const { key, rule } = await target(input, method);
    const signed = method === 'reward' ? -points : points;
    await guard.adjust({ key, algorithm, windows: rule.windows, points: signed });
    // A reward may let the caller in again: the memo's refusal (even one made while the
    // reward was on its way) is the store's to judge again.
    if (method === 'reward') blocked.delete(key);
  }

  const limiter: RateLimiter = {
    check: (input) => run('consume', input),
    peek: (input) => run('peek', input),
    async reset(input) {
      const { key, rule } = await target(input, 'reset');
      blocked.delete(key);
      await guard.reset({ key, windows: rule.windows });
    },
    penalty: (input, points) => adjust(input, points, 'penalty'),
    reward: (input, points) => adjust(input, points, 'reward'),
    async refund(result) {
      const counted =
        result.allowed &&
        !result.shadow &&
        !result.cached &&
        result.fallback === null &&
        result.listed === null;
      if (!counted) return;
      const { key, rule, cost, at } = result;
      await guard.adjust({ key, algorithm, windows: rule.windows, points: -cost, at });
      // After the store has it: a refusal memoised while the refund was on its way is stale.
      blocked.delete(key);
    },
    invalidateRules() {
      rules.invalidate();
      // Callers refused under the old rules must be judged again under the new ones.
      blocked.clear();
    },
  };
  return withCheckNow(limiter, (input) => evaluate('consume', input), logger);
}
