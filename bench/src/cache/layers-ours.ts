import { memoryStore } from '@kit/cache/memory';
import { redisBus, redisStore } from '@kit/cache/redis';
import type { Redis } from 'ioredis';
// From source: the layered store is internal until createCache wires `l1` and `bus` (then
// these rows switch to `getOrSet` through the public API).
import {
  createLayeredStore,
  type LayeredStore,
} from '../../../packages/cache/src/layered-store.js';
import type { CacheStore } from '../../../packages/cache/src/types.js';

const HOUR_MS = 3_600_000;

/**
 * A stored entry in the engine's envelope (docs/cache.md, "What is stored"):
 * `kc1|<freshUntil>|<status>|<etag>|<content type>` then a newline and the body.
 */
export function benchEntry(body: string, lifetimeMs = HOUR_MS): string {
  return `kc1|${Date.now() + lifetimeMs}|200|"bench"|application/json\n${body}`;
}

/** How much longer an entry may be served: its `freshUntil`, as the engine reads it. */
function lifetimeOf(value: string): number | undefined {
  const freshUntil = Number(value.slice(4, value.indexOf('|', 4)));
  return Number.isFinite(freshUntil) ? freshUntil - Date.now() : undefined;
}

/** What a hit does with the stored text: the body out of the envelope, parsed. */
export function decodeEntry(value: string | undefined): unknown {
  return value === undefined ? undefined : JSON.parse(value.slice(value.indexOf('\n') + 1));
}

/**
 * Our two levels as an app instance builds them: a memory l1, the Redis store as l2, a Redis
 * bus on a duplicate of `client`.
 */
export async function oursLayered(
  client: Redis,
  options: { prefix: string; channel: string; maxEntries: number; onRemote?: () => void },
): Promise<LayeredStore> {
  const store = createLayeredStore({
    l1: memoryStore({ maxEntries: options.maxEntries }) as unknown as CacheStore,
    // Until the v2 redisStore lands its set resolves `undefined`, which the layers read as stored.
    l2: redisStore({ client, prefix: options.prefix }) as unknown as CacheStore,
    bus: redisBus({ client, channel: options.channel }),
    l1TtlMs: 5_000,
    logger: { warn: (d, m) => console.error(m, d), error: (d, m) => console.error(m, d) },
    lifetimeOf,
    onRemoteInvalidation: options.onRemote,
    memo: { decode: decodeEntry, maxEntries: options.maxEntries },
  });
  await store.start();
  if (!store.coherent) throw new Error('bench: the bus did not come up');
  return store;
}
