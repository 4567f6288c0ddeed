/** One key's reads from the second level still in flight, and its latest eviction. */
interface KeyReads {
  readers: number;
  evictedAt: number;
}

/**
 * Keeps a read of the second level from filling the first with what it read before an
 * eviction that arrived while it was in flight (a bus message, or this process's own write):
 * that value is the pre-write one, and nothing would evict it again.
 *
 * Evictions tick one counter; a read remembers the counter when it began and may fill only if
 * neither its key nor every key was evicted since. Only keys with a read in flight are
 * remembered, so the guard stays as small as the reads outstanding.
 *
 * @example
 * ```ts
 * const began = guard.begin(key);
 * const value = await l2.get(key).finally(...);
 * if (guard.end(key, began) && value !== undefined) l1.set(key, value, ttl);
 * ```
 */
export class FillGuard {
  #tick = 0;
  /** When an eviction last covered every key (a clear, a tag, the bus coming back). */
  #everything = 0;
  readonly #reads = new Map<string, KeyReads>();

  /** A read of `key` begins; returns what to hand to {@link end}. */
  begin(key: string): number {
    const reads = this.#reads.get(key);
    if (reads) reads.readers++;
    else this.#reads.set(key, { readers: 1, evictedAt: 0 });
    return this.#tick;
  }

  /** The read of `key` that began at `began` is over: whether it may fill the first level. */
  end(key: string, began: number): boolean {
    const reads = this.#reads.get(key);
    if (!reads) return false;
    if (--reads.readers === 0) this.#reads.delete(key);
    return reads.evictedAt <= began && this.#everything <= began;
  }

  /** `keys` were evicted or overwritten. */
  evictKeys(keys: readonly string[]): void {
    if (this.#reads.size === 0) return;
    for (const key of keys) {
      const reads = this.#reads.get(key);
      if (reads) reads.evictedAt = ++this.#tick;
    }
  }

  /** Every key matching `matcher` was evicted. */
  evictMatching(matcher: RegExp): void {
    for (const [key, reads] of this.#reads) {
      if (matcher.test(key)) reads.evictedAt = ++this.#tick;
    }
  }

  /** Every key was evicted, or may have been (tags a read cannot know, a lost message). */
  evictAll(): void {
    this.#everything = ++this.#tick;
  }

  /** Keys with a read in flight, for tests of the bookkeeping. */
  get size(): number {
    return this.#reads.size;
  }
}
