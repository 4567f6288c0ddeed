// Holds the store under measurement so nothing can collect it before the second heap reading.
const retained: unknown[] = [];

function collect(): void {
  if (!globalThis.gc) throw new Error('run node with --expose-gc to measure heap per key');
  // Twice: the first pass can leave objects that only a second pass frees (weak callbacks).
  globalThis.gc();
  globalThis.gc();
}

/**
 * V8 heap plus ArrayBuffer backing stores: a store that keeps its state in typed arrays keeps
 * it outside `heapUsed`, and that memory is just as real.
 */
function usedBytes(): number {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

/**
 * Bytes each tracked key costs: a full GC, `count` distinct keys inserted through `track`,
 * another full GC, and the growth divided by `count`. `make` builds the store after the first
 * GC so its own fixed cost is spread over the keys like everything else. Each key string is
 * made fresh per call, as a request makes it, so a store that keeps the string pays for it.
 */
export async function heapBytesPerKey(
  make: () => (key: string) => unknown,
  count: number,
): Promise<number> {
  collect();
  const before = usedBytes();
  const track = make();
  retained.push(track);
  for (let n = 0; n < count; n++) await track(ipFor(n));
  collect();
  const after = usedBytes();
  retained.length = 0;
  return (after - before) / count;
}

/** A distinct IPv4 address per n, the shape of a real flood of unique callers. */
export function ipFor(n: number): string {
  return `10.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}
