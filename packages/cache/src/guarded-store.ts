import { CacheError } from './errors.js';
import type { CacheLogger, CacheStore } from './types.js';

const WARN_INTERVAL_MS = 10_000;

/**
 * A store call in flight, linked into its timeout's queue until it settles or expires. An
 * intrusive list, not a Set: unlinking costs two writes, where a Set measurably slowed every
 * Redis hit (hashing, and its table growing and shrinking as replies arrive in bursts).
 */
interface PendingCall {
  readonly deadline: number;
  prev: PendingCall | undefined;
  next: PendingCall | undefined;
  /** Resolves the caller with the fallback and logs the timeout; a no-op once settled. */
  expire(): void;
}

/** The calls sharing one timeout value, oldest first: in deadline order by construction. */
interface Queue {
  head: PendingCall | undefined;
  tail: PendingCall | undefined;
}

/**
 * The store as the core uses it: every call bounded by a timeout, every failure turned into
 * the fallback plus a (throttled) warning, so a slow or dead store means "no cache", never an
 * error for the request.
 *
 * Deadlines cost next to nothing per call: instead of a timer per call, calls wait in one
 * queue per timeout value and a single unref'd timer, armed for the earliest deadline,
 * expires whatever is due. A store that answers from this process (`store.local`) skips all
 * of it. Deadlines use `Date.now()`, the cheapest clock: a step of the wall clock shifts
 * pending deadlines by that step, once.
 */
export class GuardedStore {
  readonly #store: CacheStore;
  readonly #logger: CacheLogger;
  readonly #lastWarning = new Map<string, number>();
  readonly #queues = new Map<number, Queue>();
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Number.POSITIVE_INFINITY;

  constructor(store: CacheStore, logger: CacheLogger) {
    this.#store = store;
    this.#logger = logger;
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
    if (this.#store.local) {
      return work.catch((error: unknown) => {
        this.warn(what, error);
        return fallback;
      });
    }
    let queue = this.#queues.get(timeoutMs);
    if (!queue) {
      queue = { head: undefined, tail: undefined };
      this.#queues.set(timeoutMs, queue);
    }
    const pending = queue;
    return new Promise<T | F>((resolve) => {
      let settled = false;
      const call: PendingCall = {
        deadline: Date.now() + timeoutMs,
        prev: pending.tail,
        next: undefined,
        expire: () => {
          if (settled) return;
          settled = true;
          // The late operation may still reject: keep that from surfacing as unhandled.
          work.catch(() => {});
          this.warn(
            what,
            new CacheError('E_STORE_TIMEOUT', `${what} took over ${timeoutMs} ms`, {
              scope: this.#store.name,
            }),
          );
          resolve(fallback);
        },
      };
      if (pending.tail) pending.tail.next = call;
      else pending.head = call;
      pending.tail = call;
      if (call.deadline < this.#timerAt) this.#arm(call.deadline);
      work.then(
        (value) => {
          if (settled) return;
          settled = true;
          unlink(pending, call);
          resolve(value);
        },
        (error: unknown) => {
          if (settled) return;
          settled = true;
          unlink(pending, call);
          this.warn(what, error);
          resolve(fallback);
        },
      );
    });
  }

  #arm(at: number): void {
    clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => this.#sweep(), Math.max(1, at - Date.now()));
    // A pending store call must not keep the process alive on its own.
    this.#timer.unref();
  }

  #sweep(): void {
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    const now = Date.now();
    let next = Number.POSITIVE_INFINITY;
    for (const queue of this.#queues.values()) {
      while (queue.head && queue.head.deadline <= now) {
        const call = queue.head;
        unlink(queue, call);
        call.expire();
      }
      if (queue.head) next = Math.min(next, queue.head.deadline);
    }
    if (next !== Number.POSITIVE_INFINITY) this.#arm(next);
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

function unlink(queue: Queue, call: PendingCall): void {
  if (call.prev) call.prev.next = call.next;
  else queue.head = call.next;
  if (call.next) call.next.prev = call.prev;
  else queue.tail = call.prev;
  call.prev = undefined;
  call.next = undefined;
}
