/*
 * The shared types that reach the packages' public declarations, in one file that imports
 * nothing: the declaration bundler inlines it as it is (package.json "types" points here).
 */

/** A unit a duration string may end with. */
export type DurationUnit =
  | 'ms'
  | 'millisecond'
  | 'milliseconds'
  | 's'
  | 'sec'
  | 'secs'
  | 'second'
  | 'seconds'
  | 'm'
  | 'min'
  | 'mins'
  | 'minute'
  | 'minutes'
  | 'h'
  | 'hr'
  | 'hrs'
  | 'hour'
  | 'hours'
  | 'd'
  | 'day'
  | 'days';

/** `'1 h'`, `'1h'`, `'2 hrs'`, `'500 ms'`: a number and a unit, a space between them or not. */
export type DurationString = `${number}${DurationUnit}` | `${number} ${DurationUnit}`;

/**
 * A duration: a number of seconds, or a string with its unit (`'1 h'`, `'30 s'`, `'500 ms'`).
 * The template literal type catches a misspelt unit at compile time.
 */
export type Duration = number | DurationString;

/**
 * What both packages log through: pino, or anything with its two methods, called as
 * `logger.warn(details, message)`. Omit it for one line per event on the console.
 */
export interface Logger {
  warn(details: Record<string, unknown>, message: string): void;
  error(details: Record<string, unknown>, message: string): void;
}

/**
 * The test functions a conformance suite needs, passed in so the suite imports no runner:
 * vitest's, jest's, or any runner with the same shapes.
 *
 * @example
 * import { describe, expect, it } from 'vitest';
 * runCacheStoreSuite({ describe, it, expect }, { name: 'mine', makeStore: async () => myStore() });
 */
export interface SuiteRunner {
  describe: (name: string, body: () => void) => void;
  it: (name: string, body: () => Promise<void>, timeout?: number) => void;
  expect: (value: unknown) => {
    toBe(expected: unknown): void;
    toEqual(expected: unknown): void;
    toBeUndefined(): void;
    toBeGreaterThan(n: number): void;
    toBeGreaterThanOrEqual(n: number): void;
    toBeLessThan(n: number): void;
    toBeLessThanOrEqual(n: number): void;
  };
}
