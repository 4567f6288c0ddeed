import { durationMs, MAX_TIMER_MS } from './duration.js';

/** Makes the package's own `E_INVALID_OPTION` error. */
export type InvalidOption = (
  option: string,
  problem: string,
  details?: { value?: unknown; scope?: string },
) => Error;

/** A short, safe rendering of a bad value for an error message (never a whole object). */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  }
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'bigint') return `${value}n`;
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}

/** The one wording of a bad option: ``option `x` must be ... (got 5)``. */
export function optionMessage(option: string, problem: string, details: { value?: unknown } = {}) {
  const shown = 'value' in details ? ` (got ${describeValue(details.value)})` : '';
  return `option \`${option}\` ${problem}${shown}`;
}

/** How a duration option is read. */
export interface DurationRule {
  /** Accept `0`. @default false */
  allowZero?: boolean;
  /** The value is a timer length: at most 2^31 - 1 ms, which is all `setTimeout` honours. */
  timer?: boolean;
  /** The `[store]` scope of the error, when a store's factory checks the option. */
  scope?: string;
}

/**
 * The option checks both packages run in their factories, bound to the package's own error.
 * Every check names the option and shows the bad value.
 */
export function createOptionChecks(invalid: InvalidOption) {
  return {
    /** Throws unless `options` is a plain object. */
    object(options: unknown, option: string, expected: string, scope?: string): void {
      if (typeof options !== 'object' || options === null || Array.isArray(options)) {
        throw invalid(option, `must be ${expected}`, { value: options, scope });
      }
    },

    /** Throws on the first name of `options` that is not in `known`: a typo fails loudly. */
    knownKeys(options: object, known: readonly string[], what: string, scope?: string): void {
      for (const name of Object.keys(options)) {
        if (!known.includes(name)) {
          throw invalid(name, `is not a ${what} option (known: ${known.join(', ')})`, { scope });
        }
      }
    },

    /** A duration (seconds or `'1 h'`) in whole milliseconds; `fallback` when `undefined`. */
    duration(option: string, value: unknown, fallback: unknown, rule: DurationRule = {}): number {
      const input = value === undefined ? fallback : value;
      const ms = durationMs(input);
      const shape = 'must be a number of seconds or a duration string like "1 h" or "500 ms"';
      if (ms === undefined) throw invalid(option, shape, { value: input, scope: rule.scope });
      if (ms === 0 && !rule.allowZero) {
        const problem = 'must be longer than 0 (at least 1 ms)';
        throw invalid(option, problem, { value: input, scope: rule.scope });
      }
      if (rule.timer && ms > MAX_TIMER_MS) {
        const problem = `must be at most ${MAX_TIMER_MS} ms (about 24.8 days)`;
        throw invalid(option, problem, { value: input, scope: rule.scope });
      }
      return ms;
    },

    /** A positive safe integer; `fallback` when `undefined`. */
    positiveInteger(option: string, value: unknown, fallback: number, scope?: string): number {
      if (value === undefined) return fallback;
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
        throw invalid(option, 'must be a positive integer', { value, scope });
      }
      return value;
    },

    /** A non-negative safe integer; `fallback` when `undefined`. */
    nonNegativeInteger(option: string, value: unknown, fallback: number, scope?: string): number {
      if (value === undefined) return fallback;
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
        throw invalid(option, 'must be a non-negative integer', { value, scope });
      }
      return value;
    },

    /** A boolean; `fallback` when `undefined`. */
    boolean(option: string, value: unknown, fallback: boolean, scope?: string): boolean {
      if (value === undefined) return fallback;
      if (typeof value !== 'boolean') throw invalid(option, 'must be a boolean', { value, scope });
      return value;
    },

    /** One of `choices`; `fallback` when `undefined`. */
    oneOf<T>(option: string, value: unknown, choices: readonly T[], fallback: T): T {
      if (value === undefined) return fallback;
      if (!choices.includes(value as T)) {
        const list = choices.map((choice) => describeValue(choice)).join(', ');
        throw invalid(option, `must be one of ${list}`, { value });
      }
      return value as T;
    },

    /** A function, or `undefined`. */
    optionalFunction<F>(option: string, value: unknown): F | undefined {
      if (value !== undefined && typeof value !== 'function') {
        throw invalid(option, 'must be a function', { value });
      }
      return value as F | undefined;
    },
  };
}

/** The checks of {@link createOptionChecks}. */
export type OptionChecks = ReturnType<typeof createOptionChecks>;
