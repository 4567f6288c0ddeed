import type { DurationUnit } from './types.js';

const UNIT_MS: Record<DurationUnit, number> = {
  ms: 1,
  millisecond: 1,
  milliseconds: 1,
  s: 1000,
  sec: 1000,
  secs: 1000,
  second: 1000,
  seconds: 1000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  hrs: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
};

const PATTERN = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$/i;

/** The longest delay `setTimeout` honours; Node runs a longer one after 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Milliseconds of a duration, rounded to the nearest whole millisecond, or `undefined` when the
 * input is not a duration at all (wrong type, unknown unit, negative, not finite). Range checks
 * (zero, a maximum) are the caller's.
 *
 * @example
 * durationMs(3600); // 3_600_000
 * durationMs('2 hrs'); // 7_200_000
 * durationMs('500 ms'); // 500
 * durationMs('soon'); // undefined
 */
export function durationMs(input: unknown): number | undefined {
  let ms: number | undefined;
  if (typeof input === 'number') {
    ms = input * 1000;
  } else if (typeof input === 'string') {
    const match = PATTERN.exec(input);
    const unit = match
      ? (UNIT_MS[match[2]!.toLowerCase() as DurationUnit] as number | undefined)
      : undefined;
    if (match && unit !== undefined) ms = Number(match[1]) * unit;
  }
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return undefined;
  return Math.round(ms);
}
