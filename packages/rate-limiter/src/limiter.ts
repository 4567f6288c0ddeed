import { RateLimiterError } from './errors.js';
import { ExpiringMap } from './expiring-map.js';
import { LogThrottle } from './log-throttle.js';
import { resolveOptions } from './options.js';
import { sanitizePath } from './path.js';
import { RuleBook } from './rules.js';
import { StoreGuard } from './store-guard.js';
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

/** A caller over its limit, answered from memory until `until` for requests costing >= `cost`. */
interface Blocked {
  cost: number;
  remaining: number;
  resetAt: number;
  until: number;
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
  const { algorithm, prefix, logger } = resolved;
  const throttle = new LogThrottle();
  const rules = new RuleBook(resolved, throttle);
  const guard = new StoreGuard(resolved, throttle);
  const blocked = new ExpiringMap<Blocked>(resolved.maxBlockedCallers);

  function subjectOf(input: CheckInput): {
    subject: 'user' | 'ip';
    id: string;
    identity: Identity | null;
  } {
    const identity = input.identity;
    if (
      identity !== null &&
      identity !== undefined &&
      identity.id !== undefined &&
      identity.id !== null
    ) {
      const id = String(identity.id);
      if (id !== '') return { subject: 'user', id: `u:${id}`, identity };
    }
    const ip = input.ip;
    if (typeof ip === 'string' && ip !== '')
      return { subject: 'ip', id: `ip:${ip}`, identity: null };
    if (throttle.shouldLog('no-ip', 60_000)) {
      logger.warn(
        { code: 'E_INVALID_ARGUMENT' },
        '[@kit/rate-limiter] check() got neither an identity nor an ip: such callers share one "unknown" bucket',
      );
    }
    return { subject: 'ip', id: 'ip:unknown', identity: null };
  }

  function warnDefaultForUser(identity: Identity, path: string, rule: AppliedRule, now: number) {
    if (!throttle.shouldLog(`default:${identity.id}\u0000${path}`, rule.periodMs, now)) return;
    const tier = identity.tier ?? null;
    logger.warn(
      { userId: identity.id, tier, path, limit: rule.limit, periodMs: rule.periodMs },
      `[@kit/rate-limiter] no rate-limit rule for user "${identity.id}" (tier ${tier === null ? 'none' : `"${tier}"`}) on path "${path}": applying the default ${rule.limit} per ${rule.periodMs / 1000} s`,
    );
  }

  function toResult(
    store: StoreResult,
    rule: AppliedRule,
    key: string,
    subject: 'user' | 'ip',
    fallback: StoreErrorPolicy | null,
    cached: boolean,
  ): RateLimitResult {
    return {
      allowed: store.allowed,
      limit: rule.limit,
      remaining: store.remaining,
      resetAt: store.resetAt,
      retryAfter: store.allowed ? 0 : Math.max(1, Math.ceil(store.retryAfterMs / 1000)),
      rule,
      key,
      subject,
      fallback,
      cached,
    };
  }

  async function run(op: 'consume' | 'peek', input: CheckInput): Promise<RateLimitResult> {
    if (input === null || typeof input !== 'object' || typeof input.path !== 'string') {
      throw new RateLimiterError('E_INVALID_ARGUMENT', 'check() needs { path: string, ... }');
    }
    const cost = input.cost ?? 1;
    if (!Number.isSafeInteger(cost) || cost < 1) {
      throw new RateLimiterError(
        'E_INVALID_ARGUMENT',
        `cost must be a positive integer (got ${cost})`,
      );
    }
    const now = Date.now();
    const path = sanitizePath(input.path);
    const { subject, id, identity } = subjectOf(input);
    const found = rules.resolve(identity, path, now);
    const rule = found instanceof Promise ? await found : found;
    const key = `${prefix}:{${id}:${path}}`;
    if (identity !== null && rule.source === 'default')
      warnDefaultForUser(identity, path, rule, now);

    const hit = blocked.get(key, now);
    if (hit !== undefined && cost >= hit.cost) {
      const answer = {
        allowed: false,
        remaining: hit.remaining,
        resetAt: hit.resetAt,
        retryAfterMs: hit.until - now,
      };
      return toResult(answer, rule, key, subject, null, true);
    }
    const req: StoreRequest = { key, algorithm, limit: rule.limit, periodMs: rule.periodMs, cost };
    const answer = await guard.run(op, req);
    if (answer === undefined) {
      const policyAnswer = await guard.fallback(op, req);
      return toResult(policyAnswer, rule, key, subject, resolved.onStoreError, false);
    }
    if (!answer.allowed && answer.retryAfterMs > 0) {
      const at = Date.now();
      const until = at + answer.retryAfterMs;
      blocked.set(
        key,
        { cost, remaining: answer.remaining, resetAt: answer.resetAt, until },
        until,
        at,
      );
    }
    return toResult(answer, rule, key, subject, null, false);
  }

  return {
    check: (input) => run('consume', input),
    peek: (input) => run('peek', input),
    async reset(input) {
      if (input === null || typeof input !== 'object' || typeof input.path !== 'string') {
        throw new RateLimiterError('E_INVALID_ARGUMENT', 'reset() needs { path: string, ... }');
      }
      const path = sanitizePath(input.path);
      const { id, identity } = subjectOf(input);
      const rule = await rules.resolve(identity, path, Date.now());
      const key = `${prefix}:{${id}:${path}}`;
      blocked.delete(key);
      await guard.reset({ key, periodMs: rule.periodMs });
    },
    invalidateRules() {
      rules.invalidate();
    },
  };
}
