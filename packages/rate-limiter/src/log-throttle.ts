import { ExpiringMap } from './expiring-map.js';

/**
 * Remembers what was logged recently so a hot path logs a condition once per interval instead
 * of once per request (e.g. the default-rule warning: once per user and path per period).
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
