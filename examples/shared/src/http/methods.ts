import type { ApiResponse } from './route.js';

/**
 * The methods each path pattern answers, for the `Allow` header of a 405: every API route's
 * method, plus `GET` for the documentation routes given, keyed by the pattern as the app
 * registers it (Express/Hono syntax).
 *
 * @example
 * methodsByPath([{ method: 'get', path: '/a' }, { method: 'post', path: '/a' }]);
 * // Map { '/a' => Set { 'GET', 'POST' } }
 */
export function methodsByPath(
  routes: readonly { method: string; path: string }[],
): Map<string, Set<string>> {
  const byPath = new Map<string, Set<string>>();
  for (const route of routes) {
    const methods = byPath.get(route.path) ?? new Set<string>();
    methods.add(route.method.toUpperCase());
    byPath.set(route.path, methods);
  }
  return byPath;
}

/** Whether `method` is one of `allowed` (HEAD is served by GET routes in both frameworks). */
export function isAllowed(method: string, allowed: ReadonlySet<string>): boolean {
  const upper = method.toUpperCase();
  return allowed.has(upper) || (upper === 'HEAD' && allowed.has('GET'));
}

/**
 * The answer for a known path and a method it does not take: 405 with `Allow`, as Starlette
 * gives it (GET routes also take HEAD). The apps send it where they would send a 404.
 */
export function methodNotAllowedResponse(allowed: ReadonlySet<string>): ApiResponse {
  const methods = new Set(allowed);
  if (methods.has('GET')) methods.add('HEAD');
  return {
    status: 405,
    body: { detail: 'Method Not Allowed' },
    headers: { Allow: [...methods].sort().join(', ') },
  };
}
