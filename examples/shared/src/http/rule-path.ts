import { createHash } from 'node:crypto';
import { defaultRuleName, sanitizePath } from '@kit/rate-limiter';

/**
 * Characters a rule path may hold: what a request path can carry once the limiter has keyed it
 * (RFC 3986 path characters, `/` turned into `_`), lower case only. Both apps' routes are lower
 * case; Express routes `/API/...` like `/api/...` and the limiter keys it lower-cased, Hono does
 * not route it at all, so an upper-case rule would never match a request on either.
 */
const RULE_PATH = /^[a-z0-9\-._~!$&'()*+,;=:@%/]*$/;
const BAD_ESCAPE = /%(?![0-9a-f]{2})/;

/** Longest rule name the `rate_limit.name` column (`varchar(100)`) holds. */
export const RULE_NAME_MAX = 100;

/**
 * Why a rule path can never match a request, or `undefined` when it can. A query or fragment
 * (`?x`, `api/v1?page=2`) is refused rather than dropped: the limiter keys requests by path
 * alone, so the rule would silently apply to every query.
 */
export function rulePathProblem(path: string): string | undefined {
  if (/[?#]/.test(path)) return 'Path must not hold a query string or fragment (`?`, `#`)';
  if (path !== path.toLowerCase()) {
    return 'Path must be lower case: requests are matched by their lower-case path';
  }
  if (!RULE_PATH.test(path) || BAD_ESCAPE.test(path)) {
    return "Path may hold only a-z, 0-9, `/`, `%xx` escapes and - . _ ~ ! $ & ' ( ) * + , ; = : @";
  }
  if (sanitizePath(path) === '') return 'Path must name a route';
  return undefined;
}

/**
 * The limiter's default rule name (`api_v1_tasks:10:3600`), cut to fit `varchar(100)`: a long
 * head keeps its start and gains a hash of the whole path, so two long paths never share a name.
 */
export function ruleNameFor(path: string, limit: number, period: number): string {
  const name = defaultRuleName(path, limit, period);
  if (name.length <= RULE_NAME_MAX) return name;
  const tail = `:${limit}:${period}`;
  const hash = createHash('sha256').update(path).digest('hex').slice(0, 12);
  const head = name.slice(0, RULE_NAME_MAX - tail.length - hash.length - 1);
  return `${head}~${hash}${tail}`;
}
