import { ExpiringMap, LogThrottle } from '@kit/internal';
import { withCheckNow } from './check-now.js';
import { RateLimiterError } from './errors.js';
import { resolveOptions } from './options.js';
import { PathMemo } from './path.js';
import { RuleBook } from './rules.js';
import { StoreGuard } from './store-guard.js';
import { syncPathOf } from './sync-store.js';
import type {
  AppliedRule,
  CheckInput,
  Identity,
  RateLimiter,
  RateLimiterOptions,
  RateLimitResult,
  StoreErrorPolicy,
  StoreRequest,
  StoreResult,
} from './types.js';

/**
 * A caller over its limit, answered from memory until `until` for requests costing >= `cost`,
 * as long as the rule it was refused under (`limit`, `periodMs`) still applies.
 */
interface Blocked {
  cost: number;
  limit: number;
  periodMs: number;
  remaining: number;
  resetAt: number;
  until: number;
}

/** Everything a check has worked out before it asks the store. */
interface Located {
  op: 'consume' | 'peek';
  rule: AppliedRule;
  key: string;
  subject: 'user' | 'ip';
  cost: number;
}

function toResult(
  answer: StoreResult,
  at: Located,
  fallback: StoreErrorPolicy | null,
  cached: boolean,
): RateLimitResult {
  return {
    allowed: answer.allowed,
    limit: at.rule.limit,
    remaining: answer.remaining,
    resetAt: answer.resetAt,
    retryAfter: answer.allowed ? 0 : Math.max(1, Math.ceil(answer.retryAfterMs / 1000)),
    rule: at.rule,
    key: at.key,
    subject: at.subject,
    fallback,
    cached,
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
  const { algorithm, prefix, logger, store } = resolved;
  const throttle = new LogThrottle();
  const rules = new RuleBook(resolved, throttle);
  const guard = new StoreGuard(resolved, throttle);
  const blocked = new ExpiringMap<Blocked>(resolved.maxBlockedCallers);
  const paths = new PathMemo();
  const keyHead = `${prefix}:{`;
  // In-process stores that answer synchronously skip a promise layer and the timeout race.
  const sync = syncPathOf(store);

  function ipIdOf(input: CheckInput): string {
    const ip = input.ip;
    if (typeof ip === 'string' && ip !== '') return `ip:${ip}`;
    if (throttle.shouldLog('no-ip', 60_000)) {
      logger.warn(
        { code: 'E_INVALID_ARGUMENT' },
        '[@kit/rate-limiter] check() got neither an identity nor an ip: such callers share one "unknown" bucket',
      );
    }
    return 'ip:unknown';
  }

  function warnDefaultForUser(identity: Identity, path: string, rule: AppliedRule, now: number) {
    if (!throttle.shouldLog(`default:${identity.id}\u0000${path}`, rule.periodMs, now)) return;
    const tier = identity.tier ?? null;
    const tierText = tier === null ? 'none' : `"${tier}"`;
    logger.warn(
      { userId: identity.id, tier, path, limit: rule.limit, periodMs: rule.periodMs },
      `[@kit/rate-limiter] no rate-limit rule for user "${identity.id}" (tier ${tierText}) on path "${path}": applying the default ${rule.limit} per ${rule.periodMs / 1000} s`,
    );
  }

  function settle(answer: StoreResult, at: Located): RateLimitResult {
    if (!answer.allowed && answer.retryAfterMs > 0) {
      const now = Date.now();
      const until = now + answer.retryAfterMs;
      const { limit, periodMs } = at.rule;
      const entry = {
        cost: at.cost,
        limit,
        periodMs,
        remaining: answer.remaining,
        resetAt: answer.resetAt,
        until,
      };
      blocked.set(at.key, entry, until, now);
    }
    return toResult(answer, at, null, false);
  }

  function decide(at: Located, now: number): RateLimitResult | Promise<RateLimitResult> {
    // Nobody blocked (the usual case): skip hashing the fresh key for a lookup that must miss.
    const hit = blocked.size === 0 ? undefined : blocked.get(at.key, now);
    // A changed rule (new tier, raised or lowered limit) is the store's to judge, not the memo's.
    if (
      hit !== undefined &&
      at.cost >= hit.cost &&
      hit.limit === at.rule.limit &&
      hit.periodMs === at.rule.periodMs
    ) {
      const retryAfterMs = hit.until - now;
      const answer = {
        allowed: false,
        remaining: hit.remaining,
        resetAt: hit.resetAt,
        retryAfterMs,
      };
      return toResult(answer, at, null, true);
    }
    const { rule, key, cost, op } = at;
    const req: StoreRequest = { key, algorithm, limit: rule.limit, periodMs: rule.periodMs, cost };
    if (sync !== undefined) {
      return settle(op === 'consume' ? sync.consume(req, now) : sync.peek(req, now), at);
    }
    return guard.run(op, req, (answer) => {
      if (answer !== undefined) return settle(answer, at);
      return guard.fallback(op, req).then((p) => toResult(p, at, resolved.onStoreError, false));
    });
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
    const key =
      identity === null
        ? `${keyHead}${ipIdOf(input)}:${path}}`
        : `${keyHead}u:${identity.id}:${path}}`;
    const found = rules.resolve(identity, path, now);
    if (found instanceof Promise) {
      // The lookup took a while: read the clock again for the store.
      return found.then((rule) => located(op, identity, path, key, cost, rule, Date.now()));
    }
    return located(op, identity, path, key, cost, found, now);
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
    key: string,
    cost: number,
    rule: AppliedRule,
    now: number,
  ): RateLimitResult | Promise<RateLimitResult> {
    if (identity !== null && rule.source === 'default') {
      warnDefaultForUser(identity, path, rule, now);
    }
    const subject = identity === null ? 'ip' : 'user';
    return decide({ op, rule, key, subject, cost }, now);
  }

  const limiter: RateLimiter = {
    check: (input) => run('consume', input),
    peek: (input) => run('peek', input),
    async reset(input) {
      checkInput(input, 'reset');
      const path = paths.sanitize(input.path);
      const identity = userOf(input);
      const id = identity === null ? ipIdOf(input) : `u:${identity.id}`;
      const rule = await rules.resolve(identity, path, Date.now());
      const key = `${prefix}:{${id}:${path}}`;
      blocked.delete(key);
      await guard.reset({ key, periodMs: rule.periodMs });
    },
    invalidateRules() {
      rules.invalidate();
      // Callers refused under the old rules must be judged again under the new ones.
      blocked.clear();
    },
  };
  return withCheckNow(limiter, (input) => evaluate('consume', input));
}
