import { randomUUID } from 'node:crypto';
import { type Duration, redisReadiness } from '@kit/internal';
import type { Cluster, Redis } from 'ioredis';
import { check } from '../checks.js';
import { CacheError, invalidOption } from '../errors.js';
import type { BusMessage, CacheBus } from '../types.js';
import { decodeBusMessage, encodeBusMessage } from './bus-message.js';

/** Options of {@link redisBus}. */
export interface RedisBusOptions {
  /**
   * The app's ioredis `Redis` or `Cluster`: messages are published on it, and the bus
   * listens on a `client.duplicate()` of its own (a subscribed connection can send nothing
   * else). The bus never closes `client`.
   */
  client: Redis | Cluster;
  /**
   * The Pub/Sub channel; every instance sharing a store must use the same one, and
   * instances of different stores different ones.
   * @default 'kit:cache:bus'
   */
  channel?: string;
  /**
   * How often the listening connection is pinged; no answer within as long again and the bus
   * counts as down (a frozen server or link closes nothing), and reconnects.
   * @default '1 s'
   */
  heartbeat?: Duration;
}

const KNOWN = ['client', 'channel', 'heartbeat'];
const START_WAIT_MS = 2_000;
const QUIT_WAIT_MS = 1_000;
const noop = () => {};

/**
 * A {@link CacheBus} over Redis Pub/Sub: one JSON message per invalidation or `set`, tagged
 * with this instance's id so it ignores its own. Up and down follow the listening
 * connection; an outage is reported through `onState`, never thrown into the app, and
 * `publish` fails at once while the client is disconnected.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { createCache } from '@kit/cache';
 * import { memoryStore } from '@kit/cache/memory';
 * import { redisBus, redisStore } from '@kit/cache/redis';
 *
 * const redis = new Redis(process.env.REDIS_URL);
 * const appCache = createCache({
 *   store: redisStore({ client: redis }),
 *   l1: memoryStore({ maxEntries: 10_000 }),
 *   bus: redisBus({ client: redis }),
 * });
 * ```
 */
export function redisBus(options: RedisBusOptions): CacheBus {
  check.object(options, 'options', 'an object with at least `client`', 'redis');
  check.knownKeys(options, KNOWN, 'redisBus', 'redis');
  const { client, channel = 'kit:cache:bus' } = options;
  if (
    !client ||
    typeof (client as Redis).duplicate !== 'function' ||
    typeof (client as Redis).publish !== 'function' ||
    !('status' in client)
  ) {
    throw invalidOption('client', 'must be an ioredis Redis or Cluster instance', {
      value: client,
      scope: 'redis',
    });
  }
  if (typeof channel !== 'string' || channel === '') {
    throw invalidOption('channel', 'must be a non-empty string', {
      value: channel,
      scope: 'redis',
    });
  }
  const heartbeatMs = check.duration('heartbeat', options.heartbeat, '1 s', {
    timer: true,
    scope: 'redis',
  });
  const id = randomUUID();
  const readiness = redisReadiness(client);
  let subscriber: Redis | Cluster | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let up = false;
  let closed = false;
  let report: (up: boolean) => void = noop;

  const setUp = (now: boolean) => {
    if (now === up || closed) return;
    up = now;
    report(now);
  };

  /** Pings the listener; no answer in time means messages may be lost: down, reconnect. */
  function beat(listener: Redis | Cluster): void {
    if (!up) return;
    let answered = false;
    const late = setTimeout(() => {
      if (answered || closed) return;
      setUp(false);
      listener.disconnect(true);
    }, heartbeatMs);
    late.unref();
    listener
      .ping()
      .then(() => {
        answered = true;
        clearTimeout(late);
      })
      .catch(noop);
  }

  return {
    name: 'redis',
    get up() {
      return up;
    },
    async start(onMessage, onState) {
      // One listener per bus: a second start keeps the first one's callbacks.
      if (subscriber || closed) return;
      report = onState;
      const listener = client.duplicate() as Redis | Cluster;
      subscriber = listener;
      let firstUp: () => void = noop;
      const started = new Promise<void>((resolve) => {
        firstUp = resolve;
      });
      listener.on('error', noop);
      listener.on('message', (from: string, text: string) => {
        if (from !== channel) return;
        const message = decodeBusMessage(text, id);
        if (message) onMessage(message);
      });
      // Subscribing again on every `ready` (ioredis also resubscribes): up only once Redis
      // confirmed it, so no message sent after `onState(true)` is missed.
      listener.on('ready', () => {
        listener
          .subscribe(channel)
          .then(() => {
            setUp(true);
            firstUp();
          })
          .catch(noop);
      });
      for (const event of ['close', 'end', 'reconnecting']) listener.on(event, () => setUp(false));
      if (listener.status === 'wait') listener.connect().catch(noop);
      heartbeat = setInterval(() => beat(listener), heartbeatMs);
      heartbeat.unref();
      // Resolves once up, or after a bounded wait while Redis is away: never fails the app.
      const wait = setTimeout(firstUp, START_WAIT_MS);
      await started;
      clearTimeout(wait);
    },
    async publish(message: BusMessage) {
      if (readiness() === 'down') {
        throw new CacheError('E_STORE_UNAVAILABLE', `client is ${client.status}, not ready`, {
          scope: 'redis',
        });
      }
      await client.publish(channel, encodeBusMessage(message, id));
    },
    async close() {
      closed = true;
      up = false;
      clearInterval(heartbeat);
      const listener = subscriber;
      if (!listener) return;
      const quit = listener.quit().catch(noop);
      const late = new Promise<void>((resolve) => setTimeout(resolve, QUIT_WAIT_MS).unref());
      await Promise.race([quit, late]);
      listener.disconnect();
    },
  };
}
