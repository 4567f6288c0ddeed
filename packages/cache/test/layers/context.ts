import { Redis } from 'ioredis';
import { inject, type Mock, vi } from 'vitest';
import { createLayeredStore, type LayeredStoreOptions } from '../../src/layered-store.js';
import { memoryStore } from '../../src/stores/memory.js';
import { redisStore } from '../../src/stores/redis.js';
import { redisBus } from '../../src/stores/redis-bus.js';
import type { CacheStore } from '../../src/types.js';
import { lifetimeOf } from './values.js';

/**
 * The run's Redis: the global setup's (`inject('redisUrl')`), or the default local server when
 * this package's tests run on their own (`npx vitest run test/...` has no global setup).
 */
export const redisUrl = (): string => inject('redisUrl') ?? 'redis://127.0.0.1:6379';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it holds; fails naming `what` after `timeoutMs`. */
export async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 5_000,
) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

export { textOf, valueUntil } from './values.js';

type LogFn = (details: Record<string, unknown>, message: string) => void;
/** A logger whose calls the tests read. */
export interface QuietLogger {
  warn: Mock<LogFn>;
  error: Mock<LogFn>;
}

export function quietLogger(): QuietLogger {
  return { warn: vi.fn<LogFn>(), error: vi.fn<LogFn>() };
}

/** A fresh key prefix and bus channel per test: tests never see each other's messages. */
export function uniqueNames() {
  const id = Math.random().toString(36).slice(2);
  return { prefix: `test:cache:layers:${id}:`, channel: `test:cache:layers:bus:${id}` };
}

/**
 * One instance of the app: its own l1, the shared l2 on `l2Client`, and a bus on `busClient`
 * (omit it for none). `close()` closes what it opened.
 */
export async function startInstance(options: {
  l2Client: Redis;
  busClient?: Redis;
  prefix: string;
  channel: string;
  l1TtlMs?: number;
  heartbeat?: string;
  wrapL2?: (l2: CacheStore) => CacheStore;
  onRemoteInvalidation?: LayeredStoreOptions['onRemoteInvalidation'];
}) {
  const logger = quietLogger();
  const raw = redisStore({ client: options.l2Client, prefix: options.prefix });
  const l1 = memoryStore();
  const bus = options.busClient
    ? redisBus({
        client: options.busClient,
        channel: options.channel,
        heartbeat: options.heartbeat as never,
      })
    : undefined;
  const remote: unknown[] = [];
  const store = createLayeredStore({
    l1,
    l2: options.wrapL2 ? options.wrapL2(raw) : raw,
    bus,
    l1TtlMs: options.l1TtlMs ?? 5_000,
    logger,
    lifetimeOf,
    onRemoteInvalidation: (message) => {
      remote.push(message);
      options.onRemoteInvalidation?.(message);
    },
  });
  await store.start();
  return { store, l1, logger, remote, close: () => store.close() };
}

/** A Redis client for `url` that tests disconnect at the end. */
export async function connect(url: string): Promise<Redis> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  await client.ping();
  return client;
}
