import type { Logger } from '@kit/internal';
import { Coverage, type Invalidation } from './invalidation.js';

/** Most invalidations kept for retry; past it they collapse into one `clear` (conservative). */
export const MAX_PENDING = 1_000;
const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 5_000;

interface Pending {
  invalidation: Invalidation;
  coverage: Coverage;
}

/**
 * Invalidations the store refused (down, too slow), kept and retried with backoff until they
 * succeed. Until then, this process serves no entry they cover, from any level: an entry read
 * while one is pending is ignored and the load runs (a bypass). Bounded: past
 * {@link MAX_PENDING}, they collapse into one `clear` of the instance's store.
 */
export class PendingInvalidations {
  readonly #pending: Pending[] = [];
  readonly #apply: (invalidation: Invalidation) => Promise<boolean>;
  readonly #logger: Logger;
  readonly #everything: Invalidation;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #delayMs = FIRST_RETRY_MS;
  #retrying = false;
  #closed = false;

  /**
   * @param apply Runs an invalidation against the store; resolves `false` when it failed.
   * @param everything What an overflow collapses into (the instance's `clear`).
   */
  constructor(
    apply: (invalidation: Invalidation) => Promise<boolean>,
    logger: Logger,
    everything: Invalidation,
  ) {
    this.#apply = apply;
    this.#logger = logger;
    this.#everything = everything;
  }

  get size(): number {
    return this.#pending.length;
  }

  add(invalidation: Invalidation): void {
    if (this.#closed) return;
    if (this.#pending.length === 0) {
      this.#logger.warn(
        { code: 'E_INVALIDATION_PENDING' },
        'an invalidation failed; retrying it until the store takes it, and serving nothing it covers meanwhile',
      );
    }
    if (this.#pending.length >= MAX_PENDING) {
      if (this.#pending.length === 1 && this.#pending[0]!.invalidation === this.#everything) return;
      this.#logger.warn(
        { code: 'E_INVALIDATION_PENDING', pending: this.#pending.length },
        `over ${MAX_PENDING} invalidations pending: they collapse into one clear of the cache`,
      );
      this.#pending.length = 0;
      invalidation = this.#everything;
    }
    this.#pending.push({ invalidation, coverage: new Coverage(invalidation) });
    this.#schedule();
  }

  /** Whether a pending invalidation covers the entry; `tagsOf` is called only when tags matter. */
  covers(key: string, tagsOf: () => readonly string[]): boolean {
    let tags: readonly string[] | undefined;
    for (const { coverage } of this.#pending) {
      if (coverage.needsTags && tags === undefined) tags = tagsOf();
      if (coverage.covers(key, tags ?? [])) return true;
    }
    return false;
  }

  /** Retries now (tests, or a caller that knows the store is back). */
  async flush(): Promise<void> {
    if (this.#retrying) return;
    this.#retrying = true;
    try {
      while (this.#pending.length > 0 && !this.#closed) {
        const first = this.#pending[0]!;
        if (!(await this.#apply(first.invalidation))) return this.#schedule();
        this.#pending.shift();
        this.#delayMs = FIRST_RETRY_MS;
        if (this.#pending.length === 0) {
          this.#logger.warn({ code: 'E_INVALIDATION_PENDING' }, 'pending invalidations applied');
        }
      }
    } finally {
      this.#retrying = false;
    }
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#closed) return;
    // Jittered, so instances that lost the store together do not retry in lockstep.
    const delay = this.#delayMs * (0.75 + Math.random() * 0.5);
    this.#delayMs = Math.min(this.#delayMs * 2, MAX_RETRY_MS);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.flush();
    }, delay);
    this.#timer.unref?.();
  }
}
