import { Deadlines, isLocalStore, type Logger, LogThrottle } from '@kit/internal';
import { CacheError } from './errors.js';
import type { CacheStore } from './types.js';

const WARN_INTERVAL_MS = 10_000;
/** What a call that failed or missed its deadline resolves with, before `run` maps it. */
const FAILED = Symbol('failed');

/**
 * The store as the core uses it: every call bounded by a timeout, every failure turned into
 * the fallback plus a (throttled) warning, so a slow or dead store means "no cache", never an
 * error for the request.
 *
 * Deadlines cost next to nothing per call: calls of one kind share one queue and one timer
 * (see Deadlines). A store that answers from this process skips all of it.
 */
export class GuardedStore {
  readonly #store: CacheStore;
  readonly #logger: Logger;
  readonly #local: boolean;
  /** Whether the store takes cross-instance load locks (`lock` and `unlock`). */
  readonly supportsLock: boolean;
  readonly #throttle = new LogThrottle(100);
  readonly #deadlines = new Map<string, Deadlines>();

  constructor(store: CacheStore, logger: Logger) {
    this.#store = store;
    this.#logger = logger;
    this.#local = isLocalStore(store);
    this.supportsLock = typeof store.lock === 'function' && typeof store.unlock === 'function';
  }

  /** Logs one warning of a kind per 10 s (the cache's own conditions, not store failures). */
  warnOnce(id: string, details: Record<string, unknown>, message: string): void {
    if (!this.#throttle.shouldLog(id, WARN_INTERVAL_MS)) return;
    this.#logger.warn({ store: this.#store.name, ...details }, message);
  }

  /** Runs `operation` with a deadline; resolves to `fallback` on failure or timeout. */
  run<T, F>(
    what: string,
    timeoutMs: number,
    fallback: F,
    operation: (store: CacheStore) => Promise<T>,
  ): Promise<T | F> {
    let work: Promise<T>;
    try {
      work = operation(this.#store);
    } catch (error) {
      this.warn(what, error);
      return Promise.resolve(fallback);
    }
    const failed = (error: unknown): typeof FAILED => {
      this.warn(what, error);
      return FAILED;
    };
    // One promise layer for a store that answers at once: the hit path of the memory store.
    if (this.#local) {
      return work.then(undefined, (error: unknown) => {
        this.warn(what, error);
        return fallback;
      });
    }
    return this.#deadlinesOf(what, timeoutMs).race<T | typeof FAILED, T | F>(work, failed, (v) =>
      v === FAILED ? fallback : (v as T),
    );
  }

  #deadlinesOf(what: string, timeoutMs: number): Deadlines {
    const id = `${what}:${timeoutMs}`;
    let deadlines = this.#deadlines.get(id);
    if (!deadlines) {
      const timedOut = new CacheError('E_STORE_TIMEOUT', `${what} took over ${timeoutMs} ms`, {
        scope: this.#store.name,
      });
      deadlines = new Deadlines(timeoutMs, () => this.warn(what, timedOut), FAILED);
      this.#deadlines.set(id, deadlines);
    }
    return deadlines;
  }

  warn(what: string, cause: unknown): void {
    const error =
      cause instanceof CacheError
        ? cause
        : new CacheError(
            'E_STORE_UNAVAILABLE',
            `${what} failed: ${cause instanceof Error ? cause.message : String(cause)}`,
            { cause, scope: this.#store.name },
          );
    if (!this.#throttle.shouldLog(`${what}:${error.code}`, WARN_INTERVAL_MS)) return;
    this.#logger.warn(
      { code: error.code, store: this.#store.name, operation: what },
      `${error.message}; bypassing the cache`,
    );
  }
}
