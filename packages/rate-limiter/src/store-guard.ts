import { Deadlines, isLocalStore, type LogThrottle } from '@kit/internal';
import { RateLimiterError } from './errors.js';
import type { ResolvedOptions } from './options.js';
import { memoryStore } from './stores/memory.js';
import type { RateLimitStore, StoreRequest, StoreResult } from './types.js';

const ERROR_LOG_INTERVAL_MS = 10_000;
// What 'deny' tells callers to wait: short, because outages are usually short.
const DENY_RETRY_MS = 1000;

const NOTHING = Promise.resolve(undefined);

/**
 * Calls the store without ever letting it hang or break a request: fails fast when the store
 * says it is not ready (so ioredis's offline queue is never waited on), cuts every other call
 * off at `storeTimeout` (one shared timer, see Deadlines), and on failure answers with the
 * declared `onStoreError` policy.
 */
export class StoreGuard {
  // Made on first use by the 'memory' policy.
  private fallbackStore: RateLimitStore | undefined;
  private readonly store: RateLimitStore;
  // An in-process store cannot hang: no timeout race for it.
  private readonly local: boolean;

  private readonly deadlines: Deadlines;
  private readonly failed = (error: unknown): undefined => {
    this.report(new RateLimiterError('E_STORE_UNAVAILABLE', 'store call failed', { cause: error }));
    return undefined;
  };

  constructor(
    private readonly options: ResolvedOptions,
    private readonly throttle: LogThrottle,
  ) {
    this.store = options.store;
    this.local = isLocalStore(options.store);
    const ms = options.storeTimeoutMs;
    this.deadlines = new Deadlines(ms, () =>
      this.report(new RateLimiterError('E_STORE_TIMEOUT', `store did not answer within ${ms} ms`)),
    );
  }

  /**
   * Runs `consume` or `peek` and resolves to `then` of the store's result, or of `undefined`
   * when the store failed or missed `storeTimeout` (logged).
   */
  run<R>(
    op: 'consume' | 'peek',
    req: StoreRequest,
    then: (answer: StoreResult | undefined) => R | PromiseLike<R>,
  ): Promise<R> {
    const { store } = this;
    if (store.isReady !== undefined && !store.isReady()) {
      this.report(new RateLimiterError('E_STORE_UNAVAILABLE', 'store is not connected'));
      return NOTHING.then(then);
    }
    let pending: Promise<StoreResult>;
    try {
      pending = op === 'consume' ? store.consume(req) : store.peek(req);
    } catch (error) {
      return Promise.resolve(this.failed(error)).then(then);
    }
    return this.local
      ? pending.then(undefined, this.failed).then(then)
      : this.deadlines.race(pending, this.failed, then);
  }

  /** The answer of the `onStoreError` policy for a request the store could not answer. */
  async fallback(op: 'consume' | 'peek', req: StoreRequest): Promise<StoreResult> {
    const policy = this.options.onStoreError;
    const now = Date.now();
    if (policy === 'allow') {
      return { allowed: true, remaining: req.limit, resetAt: now + req.periodMs, retryAfterMs: 0 };
    }
    if (policy === 'deny') {
      return {
        allowed: false,
        remaining: 0,
        resetAt: now + DENY_RETRY_MS,
        retryAfterMs: DENY_RETRY_MS,
      };
    }
    this.fallbackStore ??= memoryStore({ maxKeys: 100_000 });
    return op === 'consume' ? this.fallbackStore.consume(req) : this.fallbackStore.peek(req);
  }

  /** Resets the key in the store and in the memory fallback; store failures are logged. */
  async reset(request: { key: string; periodMs: number }): Promise<void> {
    await this.fallbackStore?.reset(request);
    if (this.store.isReady !== undefined && !this.store.isReady()) {
      this.report(new RateLimiterError('E_STORE_UNAVAILABLE', 'store is not connected'));
      return;
    }
    const failed = (error: unknown): undefined => {
      this.report(
        new RateLimiterError('E_STORE_UNAVAILABLE', 'store reset failed', { cause: error }),
      );
    };
    try {
      await this.deadlines.race(this.store.reset(request), failed, () => undefined);
    } catch (error) {
      failed(error);
    }
  }

  private report(error: RateLimiterError): void {
    if (!this.throttle.shouldLog('store', ERROR_LOG_INTERVAL_MS)) return;
    const policy = this.options.onStoreError;
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    this.options.logger.error(
      { code: error.code, policy },
      `${error.message}${cause}; applying onStoreError "${policy}" (logged at most every 10 s)`,
    );
  }
}
