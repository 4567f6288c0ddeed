import { invalidOption } from './errors.js';
import type { RateLimitResult } from './types.js';

/** The JSON body of a 429, as the original sends it. */
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
  const headers: Array<[string, string]> = [];
  const remaining = Math.max(0, result.remaining);
  const resetSeconds = Math.max(0, Math.ceil((result.resetAt - now) / 1000));
  const windowSeconds = Math.ceil(result.rule.periodMs / 1000);
  if (standardHeaders === 'draft-7') {
    headers.push(['RateLimit-Policy', `${result.limit};w=${windowSeconds}`]);
    headers.push([
      'RateLimit',
      `limit=${result.limit}, remaining=${remaining}, reset=${resetSeconds}`,
    ]);
  } else if (standardHeaders) {
    const name = sfString(result.rule.name);
    headers.push(['RateLimit-Policy', `${name};q=${result.limit};w=${windowSeconds}`]);
    headers.push(['RateLimit', `${name};r=${remaining};t=${resetSeconds}`]);
  }
  if (legacyHeaders) {
    headers.push(['X-RateLimit-Limit', String(result.limit)]);
    headers.push(['X-RateLimit-Remaining', String(remaining)]);
    headers.push(['X-RateLimit-Reset', String(Math.ceil(result.resetAt / 1000))]);
  }
  if (!result.allowed) headers.push(['Retry-After', String(result.retryAfter)]);
  return headers;
}
