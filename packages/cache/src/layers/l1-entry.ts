/**
 * How a first-level entry is held: `<stored at, epoch ms>|<value>`. The time is what lets
 * the layered store serve, while the bus is down, only entries stored within `l1TtlMs`;
 * a hit slices the value out (O(1) for V8's sliced strings) and reads the time only then.
 */

/** The held form of `value`, stored at `now`. */
export function holdL1(value: string, now: number): string {
  return `${now}|${value}`;
}

/** When a held entry was stored. */
export function storedAtOf(held: string): number {
  return Number(held.slice(0, held.indexOf('|')));
}

/** The value of a held entry. */
export function heldValue(held: string): string {
  return held.slice(held.indexOf('|') + 1);
}
