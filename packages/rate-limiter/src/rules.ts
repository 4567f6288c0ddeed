import { Deadlines, describeValue, ExpiringMap, type LogThrottle } from '@kit/internal';
import { RateLimiterError } from './errors.js';
import type { ResolvedOptions } from './options.js';
import { applyRule } from './rule-shape.js';
import type { AppliedRule, Identity, RuleInput } from './types.js';

const LOOKUP_ERROR_LOG_INTERVAL_MS = 10_000;

type RuleMemo = ExpiringMap<AppliedRule | Promise<AppliedRule>>;

/**
 * Turns (identity, sanitized path) into the rule that applies, asking the app's `resolveRule`
 * at most once per `ruleCacheTtl` per cache key, and sharing one in-flight lookup between
 * concurrent requests so a busy path does not stampede the app's database.
 */
export class RuleBook {
  // Per tier group (anonymous, no tier, each tier), then per path: looked up by strings the
  // check already holds, so no memo key is built per request. With the app's `ruleCacheKey`,
  // one memo keyed by its keys.
  private readonly tiers = new Map<string, RuleMemo>();
  private anonymous: RuleMemo;
  private untiered: RuleMemo;
  private custom: RuleMemo;
  // Default rules per (tier, path); never stale, so plain Maps, cleared if they ever get big.
  private readonly untieredDefaults = new Map<string, AppliedRule>();
  private readonly tierDefaults = new Map<string, Map<string, AppliedRule>>();
  // Bumped by invalidate(), so a lookup already in flight then is not memoised.
  private generation = 0;
  // Cuts off a lookup slower than ruleTimeout (its answer, when it comes, is dropped).
  private readonly deadlines: Deadlines;
  // The last rule answered, for the next check of the same group and path (a busy route's
  // checks follow one another): two comparisons instead of two Map lookups. Valid until the
  // memo's entry expires (a default rule, with no resolveRule: for good); invalidate() ends it.
  private lastGroup: unknown = undefined;
  private lastPath = '';
  private lastRule: AppliedRule | undefined;
  private lastUntil = 0;

  constructor(
    private readonly options: ResolvedOptions,
    private readonly throttle: LogThrottle,
  ) {
    this.deadlines = new Deadlines(options.ruleTimeoutMs, () => {});
    this.anonymous = this.newMemo();
    this.untiered = this.newMemo();
    this.custom = this.newMemo();
  }

  /** The rule for this caller and path; a plain value when memoised, else a promise. */
  resolve(
    identity: Identity | null,
    path: string,
    now: number,
  ): AppliedRule | Promise<AppliedRule> {
    // Small, so V8 inlines it into the check: the last rule, or the default when there is no
    // resolveRule; anything else in a call of its own.
    if (path === this.lastPath && now < this.lastUntil && groupKey(identity) === this.lastGroup) {
      return this.lastRule!;
    }
    if (this.options.resolveRule === undefined) {
      const rule = this.defaultRule(path, identity?.tier ?? null);
      // A default rule never goes stale.
      this.remember(groupKey(identity), path, rule, Number.POSITIVE_INFINITY);
      return rule;
    }
    return this.lookUp(identity, path, now);
  }

  /** `resolve` past the last rule: the memo, else the app's `resolveRule`. */
  private lookUp(
    identity: Identity | null,
    path: string,
    now: number,
  ): AppliedRule | Promise<AppliedRule> {
    const custom = this.options.ruleCacheKey;
    const group = custom === undefined ? groupKey(identity) : undefined;
    const memo = custom === undefined ? this.groupOf(identity) : this.custom;
    const cacheKey = custom === undefined ? path : custom({ identity, path });
    const hit = memo.get(cacheKey, now);
    if (hit !== undefined) {
      if (!(hit instanceof Promise)) this.remember(group, path, hit, memo.expiresAt(cacheKey, now));
      return hit;
    }
    const generation = this.generation;
    const pending = this.lookup(identity, path).then(([rule, memoise]) => {
      // invalidateRules() ran meanwhile: this answer may predate the edit, so do not keep it.
      if (generation !== this.generation) return rule;
      const at = Date.now();
      if (memoise) memo.set(cacheKey, rule, at + this.options.ruleCacheTtlMs, at);
      else memo.delete(cacheKey);
      return rule;
    });
    // Concurrent requests share the lookup; a failed or timed-out one is not memoised (see ask()).
    memo.set(cacheKey, pending, now + this.options.ruleTimeoutMs + 1000, now);
    return pending;
  }

  invalidate(): void {
    this.generation++;
    this.lastUntil = 0;
    this.tiers.clear();
    this.anonymous = this.newMemo();
    this.untiered = this.newMemo();
    this.custom = this.newMemo();
  }

  private remember(group: unknown, path: string, rule: AppliedRule, until: number): void {
    if (group === undefined) return;
    this.lastGroup = group;
    this.lastPath = path;
    this.lastRule = rule;
    this.lastUntil = until;
  }

  /** The memo group of a caller: anonymous callers apart from users without a tier. */
  private groupOf(identity: Identity | null): RuleMemo {
    if (identity === null) return this.anonymous;
    const tier = identity.tier;
    if (tier === null || tier === undefined) return this.untiered;
    let memo = this.tiers.get(tier);
    if (memo === undefined) {
      // Tiers are the app's few names; a flood of made-up ones empties the memo, not memory.
      if (this.tiers.size >= 1000) this.tiers.clear();
      memo = this.newMemo();
      this.tiers.set(tier, memo);
    }
    return memo;
  }

  private newMemo(): RuleMemo {
    return new ExpiringMap(this.options.ruleCacheTtlMs > 0 ? 10_000 : 0);
  }

  /** `ask`, or the default rule (not memoised) once `ruleTimeout` has passed without an answer. */
  private lookup(identity: Identity | null, path: string): Promise<[AppliedRule, boolean]> {
    return this.deadlines.race(
      this.ask(identity, path),
      () => undefined, // ask() never rejects
      (answer) => {
        if (answer !== undefined) return answer;
        const ms = this.options.ruleTimeoutMs;
        this.logLookupError(
          new RateLimiterError(
            'E_RULE_LOOKUP_TIMEOUT',
            `resolveRule did not answer within ${ms} ms for path "${path}"`,
          ),
        );
        return [this.defaultRule(path, identity?.tier ?? null), false];
      },
    );
  }

  /** The rule, and whether to memoise it (a failed lookup is retried on the next request). */
  private async ask(identity: Identity | null, path: string): Promise<[AppliedRule, boolean]> {
    const tier = identity?.tier ?? null;
    let input: RuleInput | null | undefined;
    try {
      input = await this.options.resolveRule!({ identity, path });
    } catch (error) {
      this.logLookupError(
        new RateLimiterError('E_RULE_LOOKUP_FAILED', `resolveRule failed for path "${path}"`, {
          cause: error,
        }),
      );
      return [this.defaultRule(path, tier), false];
    }
    if (input === null || input === undefined) return [this.defaultRule(path, tier), true];
    try {
      return [normalizeRule(input, path, tier), true];
    } catch (error) {
      this.logLookupError(error as RateLimiterError);
      return [this.defaultRule(path, tier), true];
    }
  }

  /** The default rule for a path, made once per (tier, path). */
  defaultFor(path: string, tier: string | null): AppliedRule {
    return this.defaultRule(path, tier);
  }

  private defaultRule(path: string, tier: string | null): AppliedRule {
    // By tier, then by path: both strings the check already holds, so nothing is concatenated
    // (a fresh key string costs its hashing on every check).
    let byPath = tier === null ? this.untieredDefaults : this.tierDefaults.get(tier);
    if (byPath === undefined) {
      if (this.tierDefaults.size >= 1000) this.tierDefaults.clear();
      byPath = new Map();
      this.tierDefaults.set(tier!, byPath);
    }
    let rule = byPath.get(path);
    if (rule === undefined) {
      // Checked at startup (options.ts), so this cannot throw.
      rule = applyRule(this.options.defaultRule, path, tier, 'default', 'defaultRule');
      if (byPath.size >= 10_000) byPath.clear();
      byPath.set(path, rule);
    }
    return rule;
  }

  private logLookupError(error: RateLimiterError): void {
    if (this.throttle.shouldLog(`rule:${error.message}`, LOOKUP_ERROR_LOG_INTERVAL_MS)) {
      this.options.logger.error(
        { code: error.code, cause: causeText(error.cause) },
        `${error.message}; applying the default rule`,
      );
    }
  }
}

const ANONYMOUS = Symbol('anonymous');
const UNTIERED = Symbol('no tier');

/** Which memo group a caller's rules are in: anonymous, no tier, or the tier's name. */
function groupKey(identity: Identity | null): unknown {
  if (identity === null) return ANONYMOUS;
  return identity.tier ?? UNTIERED;
}

/** Validates a rule the app returned and converts its periods to milliseconds. */
export function normalizeRule(input: RuleInput, path: string, tier: string | null): AppliedRule {
  if (input === null || typeof input !== 'object') {
    throw new RateLimiterError(
      'E_INVALID_RULE',
      `resolveRule returned ${describeValue(input)} for path "${path}"; expected { limit, period }, an array of them, or null`,
    );
  }
  try {
    return applyRule(input, path, tier, 'tier', 'rule');
  } catch (error) {
    throw new RateLimiterError(
      'E_INVALID_RULE',
      `resolveRule returned an invalid rule for path "${path}" (tier ${JSON.stringify(tier)}): ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/** The message of what went wrong underneath, for a one-line log of an expected condition. */
export function causeText(cause: unknown): string | undefined {
  if (cause === undefined) return undefined;
  return cause instanceof Error ? cause.message : String(cause);
}
