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
      const set = charClass(pattern, i + 1);
      source += set.source;
      i = set.last;
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

/**
 * A `[...]` class starting at `from` (just after its `[`), read as Redis `stringmatchlen` does:
 * `\\x` is `x`, `a-z` and `z-a` are the same range, `]` right after `[` closes an empty class,
 * and an unclosed class runs to the end of the pattern. `last` is the index of its last char.
 */
function charClass(pattern: string, from: number): { source: string; last: number } {
  let i = from;
  const negate = pattern[i] === '^';
  if (negate) i++;
  let body = '';
  for (;;) {
    if (pattern[i] === '\\' && i + 1 < pattern.length) {
      body += escapeClassChar(pattern[i + 1]!);
      i += 2;
    } else if (i >= pattern.length) {
      i = pattern.length - 1;
      break;
    } else if (pattern[i] === ']') {
      break;
    } else if (i + 2 < pattern.length && pattern[i + 1] === '-') {
      const [low, high] = [pattern[i]!, pattern[i + 2]!].sort();
      body += `${escapeClassChar(low!)}-${escapeClassChar(high!)}`;
      i += 3;
    } else {
      body += escapeClassChar(pattern[i]!);
      i++;
    }
  }
  if (body === '') return { source: negate ? '[\\s\\S]' : '[^\\s\\S]', last: i };
  return { source: `[${negate ? '^' : ''}${body}]`, last: i };
}

function escapeClassChar(char: string): string {
  return /[\\\][^-]/.test(char) ? `\\${char}` : char;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
