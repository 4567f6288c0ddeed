import type { Logger } from '../logger.js';

/**
 * One log line per kind per interval, with the count of the lines it held back: an outage that
 * fails every request must not write a line (and a stack) per request.
 *
 * @example
 * const throttle = new LogThrottle(10_000);
 * throttle.log(logger, 'error', 'database timeout', { err }, 'database unavailable');
 */
export class LogThrottle {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(private readonly intervalMs: number) {}

  log(
    logger: Logger,
    level: 'error' | 'warn',
    kind: string,
    fields: Record<string, unknown>,
    message: string,
  ): void {
    const now = Date.now();
    const seen = this.last.get(kind);
    if (seen && now - seen.at < this.intervalMs) {
      seen.suppressed += 1;
      return;
    }
    // Kinds are a short fixed list, but never let a bug make this map grow without end.
    if (this.last.size > 1000) this.last.clear();
    this.last.set(kind, { at: now, suppressed: 0 });
    const suppressed = seen?.suppressed ?? 0;
    logger[level](
      { ...fields, kind, suppressed },
      `${message} (one line per ${this.intervalMs / 1000} s for this kind)`,
    );
  }
}

const throttles = new WeakMap<Logger, LogThrottle>();

/** The throttle of one app's logger (each context its own, so tests of two apps never mix). */
export function throttleOf(logger: Logger, intervalMs = 10_000): LogThrottle {
  let throttle = throttles.get(logger);
  if (!throttle) {
    throttle = new LogThrottle(intervalMs);
    throttles.set(logger, throttle);
  }
  return throttle;
}
