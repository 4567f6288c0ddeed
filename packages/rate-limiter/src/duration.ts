import { type Duration, durationMs } from '@kit/internal';
import { RateLimiterError } from './errors.js';

export type { Duration, DurationString } from '@kit/internal';

/**
 * Converts a duration to whole milliseconds, as every duration option is read: a number is
 * seconds (`DEFAULT_RATE_LIMIT_PERIOD=3600`), a string carries its unit (`'1 h'`, `'2 hrs'`,
 * `'500 ms'`). Throws `E_INVALID_ARGUMENT` for anything else, and for a duration under 1 ms.
 *
 * @example
 * parseDuration(3600); // 3_600_000
 * parseDuration('1 h'); // 3_600_000
 * parseDuration('250ms'); // 250
 */
export function parseDuration(input: Duration): number {
  const ms = durationMs(input);
  if (ms === undefined || ms <= 0) {
    throw new RateLimiterError(
      'E_INVALID_ARGUMENT',
      `invalid duration ${JSON.stringify(input)}: use a positive number of seconds or a string like "1 h", "30 s", "500 ms"`,
    );
  }
  return ms;
}
