// Holds the store under measurement so nothing can collect it before the second heap reading.
const retained: unknown[] = [];

function collect(): void {
  if (!globalThis.gc) throw new Error('run node with --expose-gc to measure heap per key');
  // Twice: the first pass can leave objects that only a second pass frees (weak callbacks).
  globalThis.gc();
  globalThis.gc();
}

/**
 * Heap bytes each tracked key costs: a full GC, `count` distinct keys inserted through
 * `track`, another full GC, and the heap growth divided by `count`. `make` builds the store
 * after the first GC so its own fixed cost is spread over the keys like everything else.
 */
export async function heapBytesPerKey(
  make: () => (key: string) => unknown,
  count: number,
): Promise<number> {
  // The key strings are built first and stay alive throughout: an app holds them anyway (they
  // come from requests), and we count only what the store adds.
  const keys = Array.from({ length: count }, (_, n) => ipFor(n));
  collect();
  const before = process.memoryUsage().heapUsed;
  const track = make();
  retained.push(track);
  for (let n = 0; n < count; n++) await track(keys[n] as string);
  collect();
  const after = process.memoryUsage().heapUsed;
  retained.length = 0;
  keys.length = 0;
  return (after - before) / count;
}

/** A distinct IPv4 address per n, the shape of a real flood of unique callers. */
export function ipFor(n: number): string {
  return `10.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}
