/**
 * Redis glob patterns (`*`, `?`, `[...]`, `\x`), the syntax of `SCAN MATCH` and of
 * `patternToInvalidateExtra`. Shared by the memory store and the Redis index path so both
 * match exactly what Redis would.
 */

const GLOB_SPECIAL = /[*?[\]\\]/g;

/**
 * Escapes a value so it matches only itself inside a pattern: a username of `*` must not
 * become "every key".
 *
 * @example
 * ```ts
 * escapeGlob('a*b'); // 'a\\*b'
 * ```
 */
export function escapeGlob(value: string): string {
  return value.replace(GLOB_SPECIAL, '\\$&');
}

/** Compiles a Redis glob pattern to an anchored RegExp. */
export function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === '\\' && i + 1 < pattern.length) {
      source += escapeRegExp(pattern[++i]!);
    } else if (char === '*') {
      source += '[\\s\\S]*';
    } else if (char === '?') {
      source += '[\\s\\S]';
    } else if (char === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end === -1) {
        source += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, end);
      const negate = body.startsWith('^');
      if (negate) body = body.slice(1);
      source += `[${negate ? '^' : ''}${body.replace(/[\]\\^]/g, '\\$&')}]`;
      i = end;
    } else {
      source += escapeRegExp(char);
    }
  }
  return new RegExp(`^${source}$`);
}

/**
 * The literal text a pattern starts with, unescaped, up to its first glob operator, and
 * whether the whole pattern is that literal followed by a single trailing `*`.
 */
export function literalPrefix(pattern: string): { prefix: string; prefixStar: boolean } {
  let prefix = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === '\\' && i + 1 < pattern.length) {
      prefix += pattern[++i]!;
    } else if (char === '*' || char === '?' || char === '[') {
      return { prefix, prefixStar: char === '*' && i === pattern.length - 1 };
    } else {
      prefix += char;
    }
  }
  return { prefix, prefixStar: false };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
