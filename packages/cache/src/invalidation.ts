import { globToRegExp } from './glob.js';

/** What one invalidation deletes: the one shape routes, the API, retries and the bus share. */
export interface Invalidation {
  keys: readonly string[];
  patterns: readonly string[];
  tags: readonly string[];
  /** Everything in the store (`clear()` of the root instance). */
  clear: boolean;
}

export const NOTHING: Invalidation = Object.freeze({
  keys: [],
  patterns: [],
  tags: [],
  clear: false,
});

export function isEmpty(invalidation: Invalidation): boolean {
  const { keys, patterns, tags, clear } = invalidation;
  return !clear && keys.length === 0 && patterns.length === 0 && tags.length === 0;
}

/** Answers "does this invalidation cover that entry?", its patterns compiled once. */
export class Coverage {
  readonly #keys: ReadonlySet<string>;
  readonly #matchers: readonly RegExp[];
  readonly #tags: ReadonlySet<string>;
  readonly #clear: boolean;

  constructor(invalidation: Invalidation) {
    this.#keys = new Set(invalidation.keys);
    this.#matchers = invalidation.patterns.map(globToRegExp);
    this.#tags = new Set(invalidation.tags);
    this.#clear = invalidation.clear;
  }

  /** True when the tags matter to the answer (so the caller reads them only then). */
  get needsTags(): boolean {
    return this.#tags.size > 0;
  }

  covers(key: string, tags: readonly string[]): boolean {
    if (this.#clear || this.#keys.has(key)) return true;
    for (const matcher of this.#matchers) if (matcher.test(key)) return true;
    for (const tag of tags) if (this.#tags.has(tag)) return true;
    return false;
  }
}
