import { invalidOption } from './errors.js';
import type { AppliedRule, RateLimitResult } from './types.js';

/** The JSON body of a 429: `{"detail":"Rate limit exceeded"}`, the shape of the apps' errors. */
export const RATE_LIMIT_BODY: { readonly detail: string } = Object.freeze({
  detail: 'Rate limit exceeded',
});

/** Which rate-limit headers adapters write. */
export interface HeaderOptions {
  /**
   * IETF `RateLimit-Policy` / `RateLimit` headers. `'draft-8'` (and `true`) writes the
   * structured-field form of draft-ietf-httpapi-ratelimit-headers-08 and later
   * (`RateLimit: "api_v1_tasks:10:3600";r=9;t=3600`); `'draft-7'` the older
   * `RateLimit: limit=10, remaining=9, reset=3600`; `false` none.
   * @default 'draft-8'
   */
  standardHeaders?: boolean | 'draft-7' | 'draft-8';
  /** `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset` (epoch seconds). @default true */
  legacyHeaders?: boolean;
}

/** Validates header options at adapter creation. */
export function checkHeaderOptions(options: HeaderOptions): Required<HeaderOptions> {
  const { standardHeaders = 'draft-8', legacyHeaders = true } = options;
  if (![true, false, 'draft-7', 'draft-8'].includes(standardHeaders)) {
    throw invalidOption('standardHeaders', "must be a boolean, 'draft-7' or 'draft-8'", {
      value: standardHeaders,
    });
  }
  if (typeof legacyHeaders !== 'boolean') {
    throw invalidOption('legacyHeaders', 'must be a boolean', { value: legacyHeaders });
  }
  return { standardHeaders, legacyHeaders };
}

// A structured-field string: printable ASCII only, with `"` and `\` escaped.
function sfString(text: string): string {
  return `"${text.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '\\$&')}"`;
}

type Standard = Required<HeaderOptions>['standardHeaders'];

/** The header values that depend on the rule alone. */
interface RuleHeaders {
  rule: AppliedRule;
  /** `RateLimit-Policy`. */
  policy: string;
  /** The `RateLimit` value up to the remaining count. */
  stateHead: string;
  /** `X-RateLimit-Limit`. */
  limit: string;
}

function ruleHeaders(rule: AppliedRule, standard: Standard): RuleHeaders {
  const windowSeconds = Math.ceil(rule.periodMs / 1000);
  const limit = String(rule.limit);
  if (standard === 'draft-7') {
    return {
      rule,
      policy: `${limit};w=${windowSeconds}`,
      stateHead: `limit=${limit}, remaining=`,
      limit,
    };
  }
  const name = sfString(rule.name);
  return { rule, policy: `${name};q=${limit};w=${windowSeconds}`, stateHead: `${name};r=`, limit };
}

/** Header names as written: canonical case, or lower case for frameworks that fold them anyway. */
const NAMES = {
  policy: 'RateLimit-Policy',
  state: 'RateLimit',
  limit: 'X-RateLimit-Limit',
  remaining: 'X-RateLimit-Remaining',
  reset: 'X-RateLimit-Reset',
  retry: 'Retry-After',
};
type Names = typeof NAMES;
// Lower-cased once: a framework that lower-cases each name itself then gets back the same
// (internalised) string instead of a new one per request.
const LOWER_NAMES = Object.fromEntries(
  Object.entries(NAMES).map(([key, name]) => [key, name.toLowerCase()]),
) as Names;

function writeHeaders(
  result: RateLimitResult,
  standard: Standard,
  legacy: boolean,
  parts: RuleHeaders,
  reset: string,
  now: number,
  names: Names,
): Array<[string, string]> {
  const headers: Array<[string, string]> = [];
  const remaining = Math.max(0, result.remaining);
  if (standard) {
    const left = Math.max(0, Math.ceil((result.resetAt - now) / 1000));
    headers.push([names.policy, parts.policy]);
    headers.push([
      names.state,
      standard === 'draft-7'
        ? `${parts.stateHead}${remaining}, reset=${left}`
        : `${parts.stateHead}${remaining};t=${left}`,
    ]);
  }
  if (legacy) {
    headers.push([names.limit, parts.limit]);
    headers.push([names.remaining, String(remaining)]);
    headers.push([names.reset, reset]);
  }
  if (!result.allowed) headers.push([names.retry, String(result.retryAfter)]);
  return headers;
}

/**
 * `rateLimitHeaders` for options checked once, as adapters call it on every request. What
 * depends on the rule alone (the escaped name, the policy, the limit) is worked out once per
 * rule, which the limiter hands back as the same object while it applies, and the window's
 * reset time once per window: fewer strings made per request, and the same ones handed to the
 * framework each time (Node validates every header value it is given).
 */
export function createHeaderWriter(
  options: Required<HeaderOptions>,
  lowerCaseNames = false,
): (result: RateLimitResult, now?: number) => Array<[string, string]> {
  const { standardHeaders: standard, legacyHeaders: legacy } = options;
  const names = lowerCaseNames ? LOWER_NAMES : NAMES;
  const byRule = new WeakMap<AppliedRule, RuleHeaders>();
  let last: RuleHeaders | undefined;
  let resetSeconds = Number.NaN;
  let reset = '';
  return function headersOf(result, now = Date.now()) {
    const { rule } = result;
    let parts = last?.rule === rule ? last : byRule.get(rule);
    if (parts === undefined) {
      parts = ruleHeaders(rule, standard);
      byRule.set(rule, parts);
    }
    last = parts;
    const seconds = Math.ceil(result.resetAt / 1000);
    if (seconds !== resetSeconds) {
      resetSeconds = seconds;
      reset = String(seconds);
    }
    return writeHeaders(result, standard, legacy, parts, reset, now, names);
  };
}

/**
 * The response headers for a check result: IETF `RateLimit-Policy` / `RateLimit`, the legacy
 * `X-RateLimit-*`, and `Retry-After` on a denial. Adapters call this; so can custom integrations.
 *
 * @example
 * for (const [name, value] of rateLimitHeaders(result)) res.setHeader(name, value);
 */
export function rateLimitHeaders(
  result: RateLimitResult,
  options: HeaderOptions = {},
  now: number = Date.now(),
): Array<[string, string]> {
  const { standardHeaders = 'draft-8', legacyHeaders = true } = options;
  const parts = ruleHeaders(result.rule, standardHeaders);
  const reset = String(Math.ceil(result.resetAt / 1000));
  return writeHeaders(result, standardHeaders, legacyHeaders, parts, reset, now, NAMES);
}
