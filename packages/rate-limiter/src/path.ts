/**
 * The key form of a request path, the FastAPI boilerplate's so its rules carry over: query
 * string and fragment dropped, leading and trailing `/` stripped, the other `/` replaced by `_`.
 *
 * @example
 * sanitizePath('/api/v1/tasks/task?x=1'); // 'api_v1_tasks_task'
 */
export function sanitizePath(path: string): string {
  let end = path.length;
  const query = path.indexOf('?');
  if (query !== -1) end = query;
  const hash = path.indexOf('#');
  if (hash !== -1 && hash < end) end = hash;
  let start = 0;
  while (start < end && path.charCodeAt(start) === 47) start++;
  while (end > start && path.charCodeAt(end - 1) === 47) end--;
  const trimmed = start === 0 && end === path.length ? path : path.slice(start, end);
  return trimmed.includes('/') ? trimmed.replaceAll('/', '_') : trimmed;
}

/**
 * The default rule name: the first three path segments, the limit and the period
 * in seconds. Accepts a raw path (`/api/v1/tasks/task`) or a sanitized one (`api_v1_tasks_task`).
 *
 * @example
 * defaultRuleName('/api/v1/tasks/task', 10, 3600); // 'api_v1_tasks:10:3600'
 */
export function defaultRuleName(path: string, limit: number, period: number): string {
  const query = path.search(/[?#]/);
  const bare = query === -1 ? path : path.slice(0, query);
  const separator = bare.includes('/') ? '/' : '_';
  const head = bare
    .split(separator)
    .filter((segment) => segment !== '')
    .slice(0, 3)
    .join('_');
  return `${head}:${limit}:${period}`;
}

/**
 * The path an adapter keys a request by, from its raw request target. Node also accepts an
 * absolute-form target (`GET http://any.host/api HTTP/1.1`), which Express and Fastify route by
 * its path: keyed as is, every made-up host would be a fresh bucket. Where the framework routes
 * `/API/v1/Tasks` like `/api/v1/tasks` (`caseSensitive: false`) the path is lower-cased, or each
 * case variant would be a fresh bucket; where it does not, variants are different routes.
 *
 * @example
 * requestPath('http://a.example/API/v1?x=1', false); // '/api/v1'
 */
export function requestPath(target: string, caseSensitive: boolean): string {
  let path = target;
  if (target.charCodeAt(0) !== 47 /* / */) {
    try {
      path = new URL(target).pathname;
    } catch {
      // Not a URL either (`*`, garbage): keyed as sent, never an error.
    }
  }
  return caseSensitive ? path : path.toLowerCase();
}

/**
 * `sanitizePath` memoised per path, for the hot path of `check()`: it skips the string work and
 * hands back the SAME string each time, whose hash V8 has already computed, so the Map lookups
 * keyed by it (rules, keys) do not hash it again. Only paths without a query string or fragment
 * are remembered, and the memo is emptied when it reaches `maxSize`, so arbitrary URLs cannot
 * grow it.
 */
export class PathMemo {
  private readonly paths = new Map<string, string>();

  constructor(private readonly maxSize = 1024) {}

  /** Paths remembered now. */
  get size(): number {
    return this.paths.size;
  }

  sanitize(path: string): string {
    let sanitized = this.paths.get(path);
    if (sanitized !== undefined) return sanitized;
    let end = path.indexOf('?');
    const hash = path.indexOf('#');
    if (hash !== -1 && (end === -1 || hash < end)) end = hash;
    // With a query string: memoised under the bare path, so varying queries share one entry.
    const bare = end === -1 ? path : path.slice(0, end);
    if (bare !== path) {
      sanitized = this.paths.get(bare);
      if (sanitized !== undefined) return sanitized;
    }
    sanitized = sanitizePath(bare);
    if (this.paths.size >= this.maxSize) this.paths.clear();
    this.paths.set(bare, sanitized);
    return sanitized;
  }
}
