import type { StoreMark } from '../types.js';

/** The scope every key belongs to: what a `clear`, or a pattern with no literal scope, covers. */
const GLOBAL = '';

/**
 * The scope of a key: its text up to and including its first `:`, or the whole key. The key
 * templates put the resource kind first (`alice_posts:page_1:alice`), so one scope is one
 * kind of one owner, and an invalidation of one user's posts never refuses another's refill.
 */
export function keyScope(key: string): string {
  const colon = key.indexOf(':');
  return colon === -1 ? key : key.slice(0, colon + 1);
}

/**
 * The scope a Redis glob pattern covers: the scope of every key it can match when its text
 * up to the first `:` is literal (escapes unescaped), else {@link GLOBAL}.
 */
export function patternScope(pattern: string): string {
  let literal = '';
  for (let i = 0; i < pattern.length; i++) {
    let char = pattern[i]!;
    if (char === '\\' && i + 1 < pattern.length) char = pattern[++i]!;
    else if (char === '*' || char === '?' || char === '[') return GLOBAL;
    literal += char;
    if (char === ':') return literal;
  }
  // No glob character at all: the pattern matches one key, and that key has no `:`.
  return literal === '' ? GLOBAL : literal;
}

/** Tags get scopes of their own, apart from key scopes (a clash only refuses more). */
export const tagScope = (tag: string): string => `#${tag}`;

/** Options of {@link InvalidationRecord}. */
export interface InvalidationRecordOptions {
  /** Most scopes remembered; past it the oldest goes and older marks are refused. */
  maxScopes?: number;
}

/**
 * When invalidations ran, per scope, on one monotonic counter: what `mark` and `set(...,
 * { since })` compare. Bounded: when a scope is forgotten, a floor rises to its counter, so
 * a mark older than anything forgotten is refused (a refill lost, never a stale one stored).
 *
 * @example
 * ```ts
 * const record = new InvalidationRecord();
 * const mark = record.mark();
 * record.invalidate(keyScope('alice_posts:page_1:alice'));
 * record.allows(mark, 'alice_posts:page_2:alice', []); // false: same scope
 * ```
 */
export class InvalidationRecord {
  readonly #maxScopes: number;
  /** Scope -> counter of its latest invalidation, oldest first (re-inserted on each). */
  readonly #scopes = new Map<string, number>();
  #counter = 0;
  #floor = 0;

  constructor(options: InvalidationRecordOptions = {}) {
    this.#maxScopes = options.maxScopes ?? 10_000;
  }

  /** The counter now, as a mark. */
  mark(): StoreMark {
    return String(this.#counter);
  }

  /** Records an invalidation of each scope, all at one new counter value. */
  invalidate(...scopes: string[]): void {
    const at = ++this.#counter;
    for (const scope of scopes) {
      this.#scopes.delete(scope);
      this.#scopes.set(scope, at);
    }
    while (this.#scopes.size > this.#maxScopes) {
      const [oldest, when] = this.#scopes.entries().next().value as [string, number];
      this.#scopes.delete(oldest);
      if (when > this.#floor) this.#floor = when;
    }
  }

  /** Records an invalidation of every scope (a `clear`). */
  invalidateAll(): void {
    this.invalidate(GLOBAL);
  }

  /** Whether no invalidation of `key`'s scope, of a tag or of everything ran after `since`. */
  allows(since: StoreMark, key: string, tags: readonly string[]): boolean {
    const mark = Number(since);
    // A mark this record never issued (another store's, a typo) cannot be vouched for.
    if (!Number.isSafeInteger(mark) || mark < this.#floor || mark > this.#counter) return false;
    if (this.#after(GLOBAL, mark) || this.#after(keyScope(key), mark)) return false;
    for (const tag of tags) if (this.#after(tagScope(tag), mark)) return false;
    return true;
  }

  #after(scope: string, mark: number): boolean {
    const at = this.#scopes.get(scope);
    return at !== undefined && at > mark;
  }
}
