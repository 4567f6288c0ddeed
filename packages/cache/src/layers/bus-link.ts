import { type Logger, LogThrottle } from '@kit/internal';
import type { BusMessage, CacheBus } from '../types.js';

const WARN_INTERVAL_MS = 10_000;

/** What a {@link BusLink} does to the first level. */
export interface BusLinkOptions {
  /** Without one, the link is never coherent and publishes nothing. */
  bus: CacheBus | undefined;
  logger: Logger;
  /** For the log line when the bus goes down. */
  l1TtlMs: number;
  /** Evicts what another instance's message covers. */
  evict: (message: BusMessage) => Promise<void>;
  /** Drops every copy: messages may have been lost, or an eviction failed. */
  reset: () => Promise<void>;
  onRemoteInvalidation: ((message: BusMessage) => void) | undefined;
}

/**
 * The layered store's side of the bus: whether it vouches for the first level now
 * (`coherent`), what to do with each message from another instance, and publishing that never
 * throws. When the bus comes back after being down, the first level is reset: what was sent
 * meanwhile is lost.
 *
 * @example
 * ```ts
 * const link = new BusLink({ bus, logger, l1TtlMs, evict, reset, onRemoteInvalidation });
 * await link.start();
 * await link.publish({ keys: ['posts:1'] });
 * ```
 */
/** Longest a write waits for its bus message to be taken by Redis. */
export const PUBLISH_WAIT_MS = 250;

export class BusLink {
  readonly #options: BusLinkOptions;
  readonly #throttle = new LogThrottle(100);
  #coherent = false;
  #wasUp = false;

  constructor(options: BusLinkOptions) {
    this.#options = options;
  }

  /** Whether messages flow: only then may a copy outlive `l1TtlMs`. */
  get coherent(): boolean {
    return this.#coherent;
  }

  async start(): Promise<void> {
    const { bus } = this.#options;
    if (!bus) return;
    await bus.start(
      (message) => this.#onMessage(message),
      (up) => this.#onState(up),
    );
    this.#onState(bus.up);
  }

  async close(): Promise<void> {
    this.#coherent = false;
    await this.#options.bus?.close();
  }

  /**
   * Tells the other instances; a failure is logged (throttled), never thrown: l2 is the truth.
   * Resolves once Redis took the message (so a client that saw the write answered can find the
   * other instances told) or after {@link PUBLISH_WAIT_MS}, whichever comes first: a hung bus
   * never holds a write longer.
   */
  publish(message: BusMessage): Promise<void> {
    const { bus } = this.#options;
    if (!bus) return Promise.resolve();
    const sent = bus.publish(message).catch((error: unknown) => {
      this.#warn('publish', { err: error, bus: bus.name }, '[@kit/cache] [bus] publish failed');
    });
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, PUBLISH_WAIT_MS);
      timer.unref?.();
      void sent.then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  #onMessage(message: BusMessage): void {
    const { evict, reset, logger, onRemoteInvalidation } = this.#options;
    evict(message)
      .catch((error: unknown) => {
        // l1 is in-process: an eviction failing means nothing it holds can be vouched for.
        logger.error({ err: error, unexpected: true }, '[@kit/cache] [l1] eviction failed');
        return reset();
      })
      .catch(() => {})
      .finally(() => {
        try {
          onRemoteInvalidation?.(message);
        } catch (error) {
          logger.error({ err: error, unexpected: true }, '[@kit/cache] onRemoteInvalidation threw');
        }
      });
  }

  #onState(up: boolean): void {
    if (up === this.#coherent) return;
    this.#coherent = up;
    const { bus, logger, l1TtlMs, reset } = this.#options;
    if (!up) {
      const message = `[@kit/cache] [bus] down: l1 copies now live at most ${l1TtlMs} ms`;
      this.#warn('down', { bus: bus?.name }, message);
      return;
    }
    // Messages may have been lost while it was down: nothing in l1 can be vouched for.
    reset().catch((error: unknown) => {
      logger.error({ err: error, unexpected: true }, '[@kit/cache] [l1] clear failed');
    });
    if (this.#wasUp) logger.warn({ bus: bus?.name }, '[@kit/cache] [bus] up again: l1 cleared');
    this.#wasUp = true;
  }

  #warn(kind: string, details: Record<string, unknown>, message: string): void {
    if (this.#throttle.shouldLog(kind, WARN_INTERVAL_MS))
      this.#options.logger.warn(details, message);
  }
}
