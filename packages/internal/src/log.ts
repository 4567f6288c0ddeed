import { ExpiringMap } from './expiring-map.js';
import type { Logger } from './types.js';

/** The details of a console line: JSON, with an Error reduced to its message. */
function detailsText(details: Record<string, unknown>): string {
  const keys = Object.keys(details);
  if (keys.length === 0) return '';
  const plain: Record<string, unknown> = {};
  for (const key of keys) {
    const value = details[key];
    plain[key] = value instanceof Error ? value.message : value;
  }
  try {
    return ` ${JSON.stringify(plain)}`;
  } catch {
    return '';
  }
}

/**
 * The default logger: one line per event, message first, details as JSON after it. Expected
 * conditions (a store outage, a request the cache cannot key) carry no stack; an unexpected
 * error (`unexpected: true` in the details) prints its stack on the lines after.
 */
export const consoleLogger: Logger = {
  warn: (details, message) => console.warn(line(details, message)),
  error: (details, message) => console.error(line(details, message)),
};

function line(details: Record<string, unknown>, message: string): string {
  const { err, unexpected, ...rest } = details;
  const cause = err instanceof Error ? { cause: err.message } : {};
  const stack = unexpected === true && err instanceof Error && err.stack ? `\n${err.stack}` : '';
  return `${message}${detailsText({ ...rest, ...cause })}${stack}`;
}

/**
 * The logger to use: `consoleLogger` for none, and for `console` itself, whose `warn(obj, msg)`
 * would print the object first and a stack for every expected condition.
 */
export function pickLogger(logger: Logger | Console | undefined): Logger {
  return logger === undefined || logger === console ? consoleLogger : (logger as Logger);
}

/**
 * Remembers what was logged recently so a hot path logs a condition once per interval instead
 * of once per request (a store outage: once per 10 s; a default-rule warning: once per user and
 * path per period).
 */
export class LogThrottle {
  private readonly seen: ExpiringMap<number>;

  constructor(maxKeys = 10_000) {
    this.seen = new ExpiringMap(maxKeys);
  }

  /** `true` the first time `key` is seen in `intervalMs`; counts the suppressed repeats. */
  shouldLog(key: string, intervalMs: number, now = Date.now()): boolean {
    const suppressed = this.seen.get(key, now);
    if (suppressed !== undefined) {
      this.seen.set(key, suppressed + 1, now + intervalMs, now);
      return false;
    }
    this.seen.set(key, 0, now + intervalMs, now);
    return true;
  }
}
