/**
 * A Map whose entries expire, capped at `maxSize` entries. Used for the limiter's small
 * in-process memories (blocked callers, memoised rules, warnings already logged) so that none
 * of them can grow without limit. Expired entries are swept as new ones arrive; when full of
 * live entries the oldest go first.
 */
export class ExpiringMap<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();
  private insertsSinceSweep = 0;
  private sweepAfter = 256;

  constructor(private readonly maxSize: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string, now: number): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** When `key`'s live entry expires (epoch ms), or 0 when it has none. */
  expiresAt(key: string, now: number): number {
    const entry = this.entries.get(key);
    return entry === undefined || entry.expiresAt <= now ? 0 : entry.expiresAt;
  }

  set(key: string, value: V, expiresAt: number, now: number): void {
    if (this.maxSize <= 0) return;
    const existing = this.entries.get(key);
    if (existing !== undefined) {
      existing.value = value;
      existing.expiresAt = expiresAt;
      return;
    }
    if (++this.insertsSinceSweep > this.sweepAfter) this.sweep(now);
    if (this.entries.size >= this.maxSize) {
      this.sweep(now);
      // Still full of live entries: drop the oldest sixteenth so sweeps stay amortised.
      let drop = this.entries.size >= this.maxSize ? Math.max(1, this.maxSize >>> 4) : 0;
      for (const oldest of this.entries.keys()) {
        if (drop-- <= 0) break;
        this.entries.delete(oldest);
      }
    }
    this.entries.set(key, { value, expiresAt });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  private sweep(now: number): void {
    this.insertsSinceSweep = 0;
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt <= now) this.entries.delete(key);
    }
    // Next sweep after as many inserts as entries survived: O(1) amortised.
    this.sweepAfter = Math.max(256, this.entries.size);
  }
}
