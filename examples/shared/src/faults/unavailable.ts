import type { ApiResponse } from '../http/route.js';

/** Seconds a client is told to wait after a 503: most outages of a dependency are short. */
export const RETRY_AFTER_SECONDS = 5;

/** The answer while a database or Redis the request needs is down, frozen or too slow. */
export const serviceUnavailableResponse = (): ApiResponse => ({
  status: 503,
  body: { detail: 'Service unavailable' },
  headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) },
});

// Socket errors of a link that is down or unreachable, from either database driver or ioredis.
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

// SQLSTATEs of a server that cannot serve now: connection exceptions (class 08), the
// statement_timeout cancel (57014), shutdown and startup (57P01-57P03), too many connections (53300).
const SQLSTATE_UNAVAILABLE = /^(08...|57014|57P0[1-3]|53300)$/;

const MESSAGES: [RegExp, string][] = [
  [/timeout exceeded when trying to connect/i, 'database connect timeout'],
  [/Query read timeout|query timed out/i, 'database timeout'],
  [/Connection terminated|not queryable|Connection is closed/i, 'connection lost'],
  [/enableOfflineQueue|Reached the max retries per request/i, 'redis unavailable'],
  [/Command timed out/i, 'redis timeout'],
];

/**
 * What kind of outage an error is (`'database timeout'`, `'ECONNREFUSED'`, ...), or `null` when
 * it is not one: a dependency that is down, frozen or too slow, which a client should retry
 * rather than report. Walks `cause`, since drizzle wraps the driver's error.
 */
export function outageKind(error: unknown): string | null {
  for (let depth = 0, current = error; current && depth < 8; depth += 1) {
    const { code, message, name } = current as {
      code?: unknown;
      message?: unknown;
      name?: unknown;
    };
    if (typeof code === 'string') {
      if (NETWORK_CODES.has(code)) return code;
      if (SQLSTATE_UNAVAILABLE.test(code)) return code === '57014' ? 'statement timeout' : code;
      if (code === 'E_DB_TIMEOUT') return 'database timeout';
      if (code === 'E_QUEUE_TIMEOUT') return 'queue timeout';
    }
    if (name === 'MaxRetriesPerRequestError') return 'redis unavailable';
    if (typeof message === 'string') {
      for (const [pattern, kind] of MESSAGES) if (pattern.test(message)) return kind;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}
