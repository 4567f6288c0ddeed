/**
 * The parameter names of the route path a middleware sits on, parsed by the framework's own
 * `parse` once per path: a middleware usually serves one path, so the last one is enough.
 */
export function routePathNames(
  parse: (path: string) => string[],
): (path: unknown) => readonly string[] {
  let last: unknown;
  let names: readonly string[] = [];
  return (path) => {
    if (path !== last) {
      last = path;
      names = typeof path === 'string' ? parse(path) : [];
    }
    return names;
  };
}
