const INITIAL_CAPACITY = 1024;

/** A slot a caller's key had, remembered by the limiter to skip the index; checked on use. */
export interface SlotHint {
  slot: number;
  /**
   * The key may be a rope (a caller's own string, not the limiter's memo): a new slot keeps a
   * flat copy of it, as with no hint.
   */
  readonly copyKey?: boolean;
}

/**
 * Bounded per-key state for the memory store without an object per key: a Map from key to a
 * small integer slot into typed arrays that grow by doubling up to `maxKeys`. Expired slots are
 * reclaimed by an amortised sweep; when the table is full of live keys the oldest are evicted,
 * so a flood of unique callers cannot grow memory without limit.
 */
export class SlotTable {
  readonly index = new Map<string, number>();
  /** Epoch ms after which the slot holds nothing worth keeping. */
  expiresAt: Float64Array;
  /** Algorithm value (count, current count, or tokens in use); free slots chain through it. */
  a: Float64Array;
  /** Second algorithm value (previous count, or time of last update); only when asked for. */
  b: Float64Array | undefined;
  /** The key each live slot holds, so a caller's remembered slot (SlotHint) can be checked. */
  private readonly owners: (string | undefined)[] = [];
  private capacity: number;
  private highWater = 0;
  private freeHead = -1;
  private insertsSinceSweep = 0;
  // Sweep after as many inserts as there were keys left by the last sweep: O(1) amortised.
  private sweepAfter = INITIAL_CAPACITY;

  constructor(
    private readonly maxKeys: number,
    withB: boolean,
  ) {
    this.capacity = Math.min(INITIAL_CAPACITY, maxKeys);
    this.expiresAt = new Float64Array(this.capacity);
    this.a = new Float64Array(this.capacity);
    this.b = withB ? new Float64Array(this.capacity) : undefined;
  }

  get size(): number {
    return this.index.size;
  }

  /**
   * The live slot of `key`, or -1. With a hint (the slot this key had last time, remembered by
   * the limiter per caller), a slot still holding the key is used without the Map lookup,
   * which on many callers is a cache miss each check.
   */
  find(key: string, hint?: SlotHint): number {
    if (hint !== undefined) {
      const remembered = hint.slot;
      if (remembered !== -1 && this.owners[remembered] === key) return remembered;
    }
    const found = this.index.get(key);
    const slot = found === undefined ? -1 : found;
    if (hint !== undefined) hint.slot = slot;
    return slot;
  }

  /** A fresh slot for `key` (which must not be in the table). */
  allocate(key: string, now: number, hint?: SlotHint): number {
    if (++this.insertsSinceSweep > this.sweepAfter) this.sweep(now);
    let slot = this.takeFree();
    if (slot === -1) {
      if (this.capacity < this.maxKeys) this.grow();
      else this.makeRoom(now);
      slot = this.takeFree();
    }
    // A key with a hint comes from the limiter's key memo, already one flat string: kept as
    // is, so the hint's check of the owner next time is a pointer comparison, not a string's.
    const stored = hint === undefined || hint.copyKey === true ? flat(key) : key;
    this.index.set(stored, slot);
    this.owners[slot] = stored;
    if (hint !== undefined) hint.slot = slot;
    return slot;
  }

  delete(key: string): void {
    const slot = this.index.get(key);
    if (slot === undefined) return;
    this.index.delete(key);
    this.release(slot);
  }

  /** Drops every expired key. */
  sweep(now: number): number {
    this.insertsSinceSweep = 0;
    let freed = 0;
    for (const [key, slot] of this.index) {
      if (this.expiresAt[slot]! <= now) {
        this.index.delete(key);
        this.release(slot);
        freed++;
      }
    }
    this.sweepAfter = Math.max(INITIAL_CAPACITY, this.index.size);
    return freed;
  }

  private takeFree(): number {
    if (this.freeHead !== -1) {
      const slot = this.freeHead;
      this.freeHead = this.a[slot]!;
      return slot;
    }
    return this.highWater < this.capacity ? this.highWater++ : -1;
  }

  private release(slot: number): void {
    this.owners[slot] = undefined;
    this.a[slot] = this.freeHead;
    this.freeHead = slot;
  }

  // Full of live keys: free a sixteenth at once (oldest first) so the O(n) sweep stays amortised.
  private makeRoom(now: number): void {
    const target = Math.max(1, this.capacity >>> 4);
    let freed = this.sweep(now);
    for (const [key, slot] of this.index) {
      if (freed >= target) break;
      this.index.delete(key);
      this.release(slot);
      freed++;
    }
  }

  private grow(): void {
    const next = Math.min(this.capacity * 2, this.maxKeys);
    this.expiresAt = resized(this.expiresAt, next);
    this.a = resized(this.a, next);
    if (this.b) this.b = resized(this.b, next);
    this.capacity = next;
  }
}

function resized(array: Float64Array, length: number): Float64Array {
  const next = new Float64Array(length);
  next.set(array);
  return next;
}

// Keys built by concatenation are rope strings that keep every piece alive; a tracked key is
// stored as one flat copy instead (only on insert, so checks of known keys pay nothing).
function flat(key: string): string {
  return JSON.parse(JSON.stringify(key)) as string;
}
