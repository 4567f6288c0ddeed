import { RateLimiterError } from './errors.js';

const UNIT_MS: Record<string, number> = {
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

/** A duration: whole seconds (the original's unit) or a string like `"1 h"`, `"30s"`, `"500 ms"`. */
export type Duration = number | string;

/**
 * Converts a duration to whole milliseconds. Numbers are seconds, as in the original
 * configuration (`DEFAULT_RATE_LIMIT_PERIOD=3600`); strings carry their unit.
 * Throws `E_INVALID_ARGUMENT` for anything that is not a positive whole number of milliseconds.
 *
 * @example
 * parseDuration(3600); // 3_600_000
 * parseDuration('1 h'); // 3_600_000
 * parseDuration('250ms'); // 250
 */
export function parseDuration(input: Duration): number {
  let ms: number | undefined;
  if (typeof input === 'number') {
    ms = Number.isInteger(input) && input > 0 ? input * 1000 : undefined;
  } else if (typeof input === 'string') {
    const match = PATTERN.exec(input);
    const unit = match ? UNIT_MS[match[2]!.toLowerCase()] : undefined;
    if (match && unit !== undefined) ms = Number(match[1]) * unit;
  }
  if (ms === undefined || !Number.isSafeInteger(ms) || ms <= 0) {
    throw new RateLimiterError(
      'E_INVALID_ARGUMENT',
      `invalid duration ${JSON.stringify(input)}: use a positive whole number of seconds or a string like "1 h", "30 s", "500 ms"`,
    );
  }
  return ms;
}
