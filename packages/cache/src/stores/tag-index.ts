/**
 * Tag -> keys, for the memory store: `deleteTags` visits only the keys filed under its tags.
 * The store calls `file` when it stores a tagged entry and `unfile` whenever an entry leaves
 * (overwrite, delete, expiry, eviction), so the index never names a key that is gone.
 */
export class TagIndex {
  readonly #keys = new Map<string, Set<string>>();

  /** Files `key` under each of `tags`. */
  file(key: string, tags: readonly string[]): void {
    for (const tag of tags) {
      const keys = this.#keys.get(tag);
      if (keys) keys.add(key);
      else this.#keys.set(tag, new Set([key]));
    }
  }

  /** Takes `key` off each of `tags`, dropping tags left empty. */
  unfile(key: string, tags: readonly string[]): void {
    for (const tag of tags) {
      const keys = this.#keys.get(tag);
      if (!keys) continue;
      keys.delete(key);
      if (keys.size === 0) this.#keys.delete(tag);
    }
  }

  /** The keys filed under any of `tags`, each once. */
  keysOf(tags: readonly string[]): Set<string> {
    const found = new Set<string>();
    for (const tag of tags) {
      const keys = this.#keys.get(tag);
      if (keys) for (const key of keys) found.add(key);
    }
    return found;
  }

  /** How many tags have at least one key, for tests of the bookkeeping. */
  get size(): number {
    return this.#keys.size;
  }

  clear(): void {
    this.#keys.clear();
  }
}
