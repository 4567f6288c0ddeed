/** Timing and key helpers of the store suite, also used by the package's own tests. */

export const sleep = (ms: number): Promise<void> =>
  new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Waits, if needed, so that at least `neededMs` remain in the current epoch-aligned window:
 * tests that count inside one fixed window must not straddle a boundary.
 */
export async function roomInWindow(periodMs: number, neededMs: number): Promise<void> {
  const left = periodMs - (Date.now() % periodMs);
  if (left < neededMs) await sleep(left + 5);
}

/** Waits until `offsetMs` after the start of the next epoch-aligned window. */
export async function nextWindow(periodMs: number, offsetMs = 5): Promise<void> {
  await sleep(periodMs - (Date.now() % periodMs) + offsetMs);
}

/**
 * The end of the epoch-aligned window holding `now`, read from one clock sample: two
 * `Date.now()` calls can straddle a millisecond and name a time that is no window's end.
 */
export function windowEnd(periodMs: number, now = Date.now()): number {
  return now - (now % periodMs) + periodMs;
}

/** Whole seconds from now to the end of the epoch-aligned window holding now, rounded up. */
export function secondsToWindowEnd(periodMs: number): number {
  const now = Date.now();
  return Math.ceil((windowEnd(periodMs, now) - now) / 1000);
}

let counter = 0;
/**
 * A key no other test (or process sharing the store) uses. It carries a hash tag, as the
 * limiter's keys do, so a Redis Cluster store can serve it from one slot.
 */
export function uniqueKey(label: string): string {
  counter++;
  return `kit-rl-test:{${label}:${process.pid}:${Date.now().toString(36)}:${counter}}`;
}
