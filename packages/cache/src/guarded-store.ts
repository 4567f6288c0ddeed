import { CacheError } from './errors.js';
import type { CacheLogger, CacheStore } from './types.js';

const WARN_INTERVAL_MS = 10_000;

/**
 * The store as the core uses it: every call bounded by a timeout, every failure turned into
 * `undefined` plus a (throttled) warning, so a slow or dead store means "no cache", never an
 * error for the request.
 */
export class GuardedStore {
  readonly #store: CacheStore;
  readonly #logger: CacheLogger;
  readonly #lastWarning = new Map<string, number>();

  constructor(store: CacheStore, logger: CacheLogger) {
    this.#store = store;
    this.#logger = logger;
  }

  /** Runs `operation` with a deadline; resolves to `fallback` on failure or timeout. */
  async run<T, F>(
    what: string,
    timeoutMs: number,
    fallback: F,
    operation: (store: CacheStore) => Promise<T>,
  ): Promise<T | F> {
    let timer: NodeJS.Timeout | undefined;
    const work = operation(this.#store);
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new CacheError('E_STORE_TIMEOUT', `${what} took over ${timeoutMs} ms`, {
              scope: this.#store.name,
            }),
          ),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([work, deadline]);
    } catch (error) {
      // The late operation may still reject: keep that from surfacing as unhandled.
      work.catch(() => {});
      this.warn(what, error);
      return fallback;
    } finally {
      clearTimeout(timer);
    }
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
    const kind = `${what}:${error.code}`;
    const now = Date.now();
    if (now - (this.#lastWarning.get(kind) ?? 0) < WARN_INTERVAL_MS) return;
    this.#lastWarning.set(kind, now);
    this.#logger.warn(
      { code: error.code, store: this.#store.name, operation: what, err: error },
      `${error.message}; bypassing the cache`,
    );
  }
}
