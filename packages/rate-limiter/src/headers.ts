import { invalidOption } from './errors.js';
import type { AppliedRule, RateLimitResult } from './types.js';

/** The JSON body of a 429: `{"detail":"Rate limit exceeded"}`, the shape of the apps' errors. */
export const RATE_LIMIT_BODY: { readonly detail: string } = Object.freeze({
  detail: 'Rate limit exceeded',
});

/** Which rate-limit headers adapters write. */
export interface HeaderOptions {
  /**
   * IETF rate-limit headers. `'draft-8'` (and `true`) writes the structured-field form of
   * draft-ietf-httpapi-ratelimit-headers-08 and later (`RateLimit-Policy:
   * "api_v1_tasks:10:3600";q=10;w=3600`, `RateLimit: "api_v1_tasks:10:3600";r=9;t=3600`);
   * `'draft-7'` the older `RateLimit: limit=10, remaining=9, reset=3600`; `'draft-6'` separate
   * `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset`; `false` none. A rule of
   * several windows lists each in `RateLimit-Policy`; the other headers describe the most
   * restrictive one.
   * @default 'draft-8'
   */
  standardHeaders?: boolean | 'draft-6' | 'draft-7' | 'draft-8';
  /**
   * `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset` (epoch seconds), the
   * pre-standard names that `@fastify/rate-limit` and express-rate-limit's `legacyHeaders`
   * write. Off by default: they repeat what the IETF headers say, and on a small response
   * three more headers are a measurable share of the server's work per request.
   * @default false
   */
  legacyHeaders?: boolean;
}

/** Validates header options at adapter creation. */
export function checkHeaderOptions(options: HeaderOptions): Required<HeaderOptions> {
  const { standardHeaders = 'draft-8', legacyHeaders = false } = options;
  if (![true, false, 'draft-6', 'draft-7', 'draft-8'].includes(standardHeaders)) {
    throw invalidOption('standardHeaders', "must be a boolean, 'draft-6', 'draft-7' or 'draft-8'", {
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
  /** `RateLimit-Policy`: every window. */
  policy: string;
  /** Per window: the `RateLimit` value up to the remaining count (draft-7 and 8). */
  stateHeads: string[];
  /** Per window: `X-RateLimit-Limit` / `RateLimit-Limit`. */
  limits: string[];
}

function ruleHeaders(rule: AppliedRule, standard: Standard): RuleHeaders {
  const policies: string[] = [];
  const stateHeads: string[] = [];
  const limits: string[] = [];
  for (const window of rule.windows) {
    const seconds = Math.ceil(window.periodMs / 1000);
    const limit = String(window.limit);
    limits.push(limit);
    if (standard === 'draft-8' || standard === true) {
      const name = sfString(window.name);
      policies.push(`${name};q=${limit};w=${seconds}`);
      stateHeads.push(`${name};r=`);
    } else {
      policies.push(`${limit};w=${seconds}`);
      stateHeads.push(`limit=${limit}, remaining=`);
    }
  }
  return { rule, policy: policies.join(', '), stateHeads, limits };
}

/** Header names as written: canonical case, or lower case for frameworks that fold them anyway. */
const NAMES = {
  policy: 'RateLimit-Policy',
  state: 'RateLimit',
  draft6Limit: 'RateLimit-Limit',
  draft6Remaining: 'RateLimit-Remaining',
  draft6Reset: 'RateLimit-Reset',
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
  const windows = result.rule.windows;
  const index = windows.length === 1 ? 0 : Math.max(0, windows.indexOf(result.window));
  const limit = parts.limits[index]!;
  if (standard) {
    const left = Math.max(0, Math.ceil((result.resetAt - now) / 1000));
    headers.push([names.policy, parts.policy]);
    if (standard === 'draft-6') {
      headers.push([names.draft6Limit, limit]);
      headers.push([names.draft6Remaining, String(remaining)]);
      headers.push([names.draft6Reset, String(left)]);
    } else {
      const head = parts.stateHeads[index]!;
      headers.push([
        names.state,
        standard === 'draft-7'
          ? `${head}${remaining}, reset=${left}`
          : `${head}${remaining};t=${left}`,
      ]);
    }
  }
  if (legacy) {
    headers.push([names.limit, limit]);
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
 * `X-RateLimit-*` with `legacyHeaders: true`, and `Retry-After` on a denial, for custom
 * integrations. Options are checked as the adapters check theirs.
 *
 * @example
 * for (const [name, value] of rateLimitHeaders(result)) res.setHeader(name, value);
 */
export function rateLimitHeaders(
  result: RateLimitResult,
  options: HeaderOptions = {},
  now: number = Date.now(),
): Array<[string, string]> {
  const { standardHeaders, legacyHeaders } = checkHeaderOptions(options);
  const parts = ruleHeaders(result.rule, standardHeaders);
  const reset = String(Math.ceil(result.resetAt / 1000));
  return writeHeaders(result, standardHeaders, legacyHeaders, parts, reset, now, NAMES);
}
