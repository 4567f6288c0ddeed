/** A call still waiting for the store, linked in deadline order. */
interface Waiter<T> {
  deadline: number;
  resolve: (value: T | undefined) => void;
  prev: Waiter<T> | null;
  next: Waiter<T> | null;
  /** `false` once answered or expired, so whichever comes second is ignored. */
  waiting: boolean;
}

/**
 * Cuts calls off after `ms` with ONE timer for all of them, instead of a setTimeout and
 * clearTimeout per call. Every call waits the same time, so deadlines are in call order: a
 * linked list with O(1) insert and removal, and a timer that only ever needs the oldest.
 * The timer is unref'd: the pending call itself (a socket) keeps the process alive.
 */
export class Deadlines {
  private head: Waiter<unknown> | null = null;
  private tail: Waiter<unknown> | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly ms: number,
    /** Told once per call that missed its deadline, before it resolves with `expired`. */
    private readonly onExpire: () => void,
    /** What a call that missed its deadline resolves with: `undefined`, or a sentinel for
     * callers whose store may itself answer `undefined` (a cache miss). */
    private readonly expired: unknown = undefined,
  ) {}

  /**
   * `then` of what `pending` resolves to; of `onError`'s answer to its rejection; or of
   * `expired` (after `onExpire`) once `ms` have passed without either. Taking `then` here
   * saves the caller a promise layer per call.
   */
  race<T, R>(
    pending: Promise<T>,
    onError: (error: unknown) => T | undefined,
    then: (value: T | undefined) => R | PromiseLike<R>,
  ): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const finish = (value: T | undefined) => {
        try {
          resolve(then(value));
        } catch (error) {
          reject(error);
        }
      };
      const waiter: Waiter<T> = {
        deadline: performance.now() + this.ms,
        resolve: finish,
        prev: this.tail as Waiter<T> | null,
        next: null,
        waiting: true,
      };
      this.push(waiter as Waiter<unknown>);
      pending.then(
        (value) => {
          if (this.settle(waiter as Waiter<unknown>)) finish(value);
        },
        (error: unknown) => {
          if (this.settle(waiter as Waiter<unknown>)) finish(onError(error));
        },
      );
    });
  }

  private push(waiter: Waiter<unknown>): void {
    if (this.tail === null) this.head = waiter;
    else this.tail.next = waiter;
    this.tail = waiter;
    if (this.timer === undefined) this.arm(this.ms);
  }

  /** Unlinks an answered call; `false` if it had already expired. */
  private settle(waiter: Waiter<unknown>): boolean {
    if (!waiter.waiting) return false;
    waiter.waiting = false;
    const { prev, next } = waiter;
    if (prev === null) this.head = next;
    else prev.next = next;
    if (next === null) this.tail = prev;
    else next.prev = prev;
    waiter.prev = waiter.next = null;
    return true;
  }

  private arm(delay: number): void {
    this.timer = setTimeout(() => this.expire(), Math.max(1, Math.ceil(delay)));
    this.timer.unref?.();
  }

  private expire(): void {
    this.timer = undefined;
    const now = performance.now();
    let waiter = this.head;
    while (waiter !== null && waiter.deadline <= now) {
      const next = waiter.next;
      this.settle(waiter);
      waiter.resolve(this.expired);
      try {
        this.onExpire();
      } catch {
        // A throwing logger must not stall the sweep: the rest still expire.
      }
      waiter = next;
    }
    if (waiter !== null) this.arm(waiter.deadline - now);
  }
}
