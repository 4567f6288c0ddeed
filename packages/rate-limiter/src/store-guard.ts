import { Deadlines, isLocalStore, type LogThrottle } from '@kit/internal';
import { RateLimiterError } from './errors.js';
import type { ResolvedOptions } from './options.js';
import { memoryStore } from './stores/memory.js';
import type {
  AdjustRequest,
  RateLimitStore,
  StoreRequest,
  StoreResult,
  StoreWindow,
} from './types.js';

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
      // The window a store would report for a fresh key: the fewest units (the first of equals).
      let window = 0;
      req.windows.forEach((w, i) => {
        if (w.limit < req.windows[window]!.limit) window = i;
      });
      const { limit, periodMs } = req.windows[window]!;
      return {
        allowed: true,
        remaining: limit,
        resetAt: now + periodMs,
        retryAfterMs: 0,
        window,
        at: now,
      };
    }
    if (policy === 'deny') {
      return {
        allowed: false,
        remaining: 0,
        resetAt: now + DENY_RETRY_MS,
        retryAfterMs: DENY_RETRY_MS,
        window: 0,
        at: now,
      };
    }
    this.fallbackStore ??= memoryStore({ maxKeys: 100_000 });
    return op === 'consume' ? this.fallbackStore.consume(req) : this.fallbackStore.peek(req);
  }

  /** Resets the key in the store and in the memory fallback; store failures are logged. */
  async reset(request: { key: string; windows: readonly StoreWindow[] }): Promise<void> {
    await this.fallbackStore?.reset(request);
    await this.guarded('reset', () => this.store.reset(request));
  }

  /**
   * Adjusts the key's usage in the store and in the memory fallback (so a penalty given during
   * an outage holds there too); store failures are logged, never thrown.
   */
  async adjust(request: AdjustRequest): Promise<void> {
    // An adjustment the fallback refuses (bad points) is the store's to report, below.
    await this.fallbackStore?.adjust(request).catch(() => undefined);
    await this.guarded('adjust', () => this.store.adjust(request));
  }

  // A store call outside the check path: not ready, failed or late is logged, never thrown.
  private async guarded(what: string, call: () => Promise<void>): Promise<void> {
    if (this.store.isReady !== undefined && !this.store.isReady()) {
      this.report(new RateLimiterError('E_STORE_UNAVAILABLE', 'store is not connected'));
      return;
    }
    const failed = (error: unknown): undefined => {
      this.report(
        new RateLimiterError('E_STORE_UNAVAILABLE', `store ${what} failed`, { cause: error }),
      );
    };
    try {
      await this.deadlines.race(call(), failed, () => undefined);
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
