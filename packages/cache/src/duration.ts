import { invalidOption } from './errors.js';

const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  sec: 1000,
  second: 1000,
  seconds: 1000,
  m: 60_000,
  min: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
};

/** A duration: a number in the option's documented unit, or a string such as `"1 h"`, `"250 ms"`. */
export type Duration = number | string;

/**
 * Converts a duration option to milliseconds once, at setup. Numbers are read in `numberUnitMs`
 * (1000 for the original's seconds). Throws `E_INVALID_OPTION` naming `option`.
 */
export function parseDuration(
  value: Duration,
  option: string,
  numberUnitMs: number,
  { allowZero = false }: { allowZero?: boolean } = {},
): number {
  let ms: number;
  if (typeof value === 'number') {
    ms = value * numberUnitMs;
  } else if (typeof value === 'string') {
    const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$/i.exec(value);
    const unit = match ? UNITS[match[2]!.toLowerCase()] : undefined;
    if (!match || unit === undefined) {
      throw invalidOption(
        option,
        `must be a number or a duration like "30 s" or "1 h", got "${value}"`,
      );
    }
    ms = Number(match[1]) * unit;
  } else {
    throw invalidOption(option, `must be a number or a duration string, got ${typeof value}`);
  }
  if (!Number.isFinite(ms) || ms < 0 || (!allowZero && ms === 0)) {
    throw invalidOption(option, `must be ${allowZero ? '>= 0' : '> 0'}, got ${String(value)}`);
  }
  return Math.round(ms);
}
