/** What a package's `exports` map promises, read from the manifest inside its tarball. */

export interface Manifest {
  name: string;
  version: string;
  exports?: Record<string, unknown>;
  typesVersions?: unknown;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

export interface Subpath {
  /** `.`, `./redis`, `./package.json` */
  subpath: string;
  /** What a user writes: `@kit/cache`, `@kit/cache/redis` */
  specifier: string;
  /** A JSON file (`./package.json`): imported with `with { type: 'json' }`, has no types. */
  json: boolean;
}

/**
 * Every subpath of the `exports` map. A pattern (`./*`) or a non-object map fails here, loudly,
 * instead of leaving subpaths untested; a `null` target (an explicit "not exported") is skipped.
 */
export function exportedSubpaths(manifest: Manifest): Subpath[] {
  const map = manifest.exports;
  if (map === undefined || map === null || typeof map !== 'object' || Array.isArray(map)) {
    throw new Error(`${manifest.name}: expected an object "exports" map`);
  }
  return Object.entries(map).flatMap(([subpath, target]) => {
    if (!subpath.startsWith('.')) {
      throw new Error(`${manifest.name}: "exports" must map subpaths, got key ${subpath}`);
    }
    if (subpath.includes('*')) {
      throw new Error(`${manifest.name}: cannot enumerate the pattern subpath ${subpath}`);
    }
    if (target === null) return [];
    const specifier = subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`;
    return [{ subpath, specifier, json: targetFiles(target).every((f) => f.endsWith('.json')) }];
  });
}

/** Every file a target names, through any nesting of conditions (`import` → `types`, ...). */
export function targetFiles(target: unknown): string[] {
  if (typeof target === 'string') return [target];
  if (Array.isArray(target)) return target.flatMap(targetFiles);
  if (target !== null && typeof target === 'object') {
    return Object.values(target).flatMap(targetFiles);
  }
  return [];
}

/** The modules a built .js/.cjs/.d.ts file loads: `from '…'`, `import('…')`, `require('…')`. */
export function moduleSpecifiers(code: string): string[] {
  const found = code.matchAll(/(?:\bfrom|\bimport|\brequire)\s*\(?\s*["']([^"'\n]+)["']/g);
  return [...found].map((match) => match[1]!);
}
