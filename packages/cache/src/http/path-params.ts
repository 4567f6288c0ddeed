const IDENTIFIER = /[\p{ID_Continue}$]/u;

/**
 * True when `name` is a path parameter of a route pattern, in any framework's syntax:
 * `:name` (Express, Hono, Fastify, ending at any non-identifier character such as `/`, `-`,
 * `{`, `(` or `?`), `:"name"` (Express 5 quoted) and `*name` (Express 5 wildcard).
 */
export function isPathParamOf(pattern: string, name: string): boolean {
  for (const sigil of [':', '*']) {
    const needle = sigil + name;
    for (let at = pattern.indexOf(needle); at !== -1; at = pattern.indexOf(needle, at + 1)) {
      const next = pattern[at + needle.length];
      if (next === undefined || !IDENTIFIER.test(next)) return true;
    }
  }
  return pattern.includes(`:"${name}"`) || pattern.includes(`*"${name}"`);
}
