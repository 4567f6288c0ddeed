import { randomUUID } from 'node:crypto';
import { coalesceWrites, type LuaScript, redisReadiness, runLua } from '@kit/internal';
import type { Cluster, Redis } from 'ioredis';
import { check } from '../checks.js';
import { CacheError, invalidOption } from '../errors.js';
import { escapeGlob, globToRegExp, literalPrefix } from '../glob.js';
import { GLOBAL_SCOPE, keyScope, patternScope, scopesOf, tagScope } from '../invalidation-scope.js';
import type { CacheStore, StoreSetOptions } from '../types.js';
import {
  ADD_TO_INDEX,
  PASSED_MARK,
  RECORD_INVALIDATION,
  SET_INDEXED,
  UNLOCK,
} from './redis-scripts.js';

/** Options of {@link redisStore}. */
export interface RedisStoreOptions {
  /** The app's ioredis `Redis` or `Cluster`. The store never connects or closes it. */
  client: Redis | Cluster;
  /**
   * Prepended to every key, so cache keys stay apart from the app's own.
   * @default 'cache:'
   */
  prefix?: string;
  /**
   * Keep a per-prefix index so pattern invalidation costs the keys it matches instead of a
   * SCAN of the keyspace. Every process writing the same keys must use the same setting.
   * @default true
   */
  index?: boolean;
  /**
   * How many `:`-separated levels of each key are indexed (`alice_posts:`,
   * `alice_posts:page_1:`, ...). Deeper patterns use the deepest index and filter.
   * @default 4
   */
  indexDepth?: number;
  /**
   * `COUNT` hint of each SCAN on the fallback path.
   * @default 1000
   */
  scanCount?: number;
}

/** The Redis store: a {@link CacheStore} plus the SCAN path, kept callable for comparison. */
export interface RedisStore extends CacheStore {
  /** Deletes pattern matches with SCAN + UNLINK over every master, ignoring the index. */
  deletePatternByScan(pattern: string): Promise<number>;
}

const UNLINK_BATCH = 500;
/**
 * How long an invalidation's marker outlives it: a refill whose load began before the
 * invalidation and lands later than this is no longer refused, so the cache does not store
 * loads older than this (see the engine's MAX_LOAD_MS).
 */
const MARKER_TTL_MS = 3_600_000;

/** The `keyPrefix` option of an ioredis client (a Cluster's also reaches its node clients). */
function keyPrefixOf(client: Redis | Cluster): string {
  return (client.options as { keyPrefix?: string }).keyPrefix ?? '';
}
const INDEX_PAGE = 1000;
const KNOWN = ['client', 'prefix', 'index', 'indexDepth', 'scanCount'];

/**
 * A store over the app's ioredis client: one GET per read, one SET ... PX (or one script
 * with the index) per write. Once the client has lost its connection, commands are refused at
 * once, not queued, so an outage costs nothing but a bypass; before its first connection they
 * wait, bounded by the cache's `timeout`. The commands of one tick leave in one
 * socket write (a `Cluster` client excepted).
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { createCache } from '@kit/cache';
 * import { redisStore } from '@kit/cache/redis';
 *
 * const redis = new Redis(process.env.REDIS_URL);
 * const appCache = createCache({ store: redisStore({ client: redis, prefix: 'myapp:cache:' }) });
 * ```
 */
export function redisStore(options: RedisStoreOptions): RedisStore {
  check.object(options, 'options', 'an object with at least `client`', 'redis');
  check.knownKeys(options, KNOWN, 'redisStore', 'redis');
  const { client, prefix = 'cache:', index = true } = options;
  if (!client || typeof (client as Redis).get !== 'function' || !('status' in client)) {
    throw invalidOption('client', 'must be an ioredis Redis or Cluster instance', {
      value: client,
      scope: 'redis',
    });
  }
  if (typeof prefix !== 'string') {
    throw invalidOption('prefix', 'must be a string', { value: prefix, scope: 'redis' });
  }
  check.boolean('index', index, true, 'redis');
  const indexDepth = check.positiveInteger('indexDepth', options.indexDepth, 4, 'redis');
  const scanCount = check.positiveInteger('scanCount', options.scanCount, 1000, 'redis');
  const cluster = Boolean((client as Cluster).isCluster);
  // Cache keys never hold NUL (values are percent-encoded, templates refuse it): no entry key
  // can land on an index set.
  const indexPrefix = `${prefix}\u0000idx:`;
  const tagPrefix = `${prefix}\u0000tag:`;
  const lockPrefix = `${prefix}\u0000lock:`;
  // Every marker shares one hash tag: one slot on a Cluster, so one script records them all.
  const markerPrefix = `{${prefix}\u0000inv}`;
  const counterKey = `${markerPrefix}!n`;
  const markerKeys = (scopes: Iterable<string>) => [...scopes].map((scope) => markerPrefix + scope);

  const readiness = redisReadiness(client);
  const beforeSend = coalesceWrites(client);
  // The shared readiness policy: a client not yet connected is waited on (bounded by the
  // cache's timeout); one that lost its connection is refused at once, a bypass. Every
  // command is sent through here, so each joins its tick's one socket write.
  const ready = (): Redis | Cluster => {
    if (readiness() !== 'down') {
      beforeSend();
      return client;
    }
    throw new CacheError('E_STORE_UNAVAILABLE', `client is ${client.status}, not ready`, {
      scope: 'redis',
    });
  };
  const runScript = (script: LuaScript, keys: string[], args: (string | number)[]) =>
    runLua(ready(), script, keys, args);

  /** The index names of a key: its first `indexDepth` prefixes ending in `:`. */
  function indexesOf(key: string): string[] {
    const names: string[] = [];
    for (let at = key.indexOf(':'); at !== -1 && names.length < indexDepth; ) {
      names.push(key.slice(0, at + 1));
      at = key.indexOf(':', at + 1);
    }
    return names;
  }

  /** The index holding every key a pattern can match, if its literal start allows one. */
  function indexFor(literal: string): string | undefined {
    const names = indexesOf(literal);
    return names[names.length - 1];
  }

  /** Runs before any delete: a refill racing the delete then finds its mark passed. */
  async function recordInvalidation(scopes: Iterable<string>): Promise<void> {
    await runScript(
      RECORD_INVALIDATION,
      [counterKey, ...markerKeys(new Set(scopes))],
      [MARKER_TTL_MS],
    );
  }

  async function unlink(keys: string[]): Promise<number> {
    const redis = ready();
    let deleted = 0;
    for (let i = 0; i < keys.length; i += UNLINK_BATCH) {
      const batch = keys.slice(i, i + UNLINK_BATCH);
      // Cluster refuses multi-key commands across slots: one UNLINK per key, pipelined by ioredis.
      const counts = cluster
        ? await Promise.all(batch.map((key) => redis.unlink(key)))
        : [await redis.unlink(...batch)];
      deleted += counts.reduce((sum, count) => sum + count, 0);
    }
    return deleted;
  }

  async function deleteIndexed(name: string, pattern: string): Promise<number> {
    const indexKey = indexPrefix + name;
    const matcher = globToRegExp(pattern);
    let deleted = 0;
    let cursor = '0';
    // ZSCAN, not ZRANGE by rank: concurrent writes re-score and prune members, shifting ranks
    // under a rank cursor so it skips matches; ZSCAN returns every member present throughout.
    do {
      const [next, flat] = await ready().zscan(indexKey, cursor, 'COUNT', INDEX_PAGE);
      cursor = next;
      const matched: string[] = [];
      for (let i = 0; i < flat.length; i += 2) {
        if (matcher.test(flat[i]!)) matched.push(flat[i]!);
      }
      if (matched.length > 0) {
        deleted += await unlink(matched.map((member) => prefix + member));
        await ready().zrem(indexKey, ...matched);
      }
    } while (cursor !== '0');
    return deleted;
  }

  /** ZSCANs one tag set, deleting its members' entries, then the set. */
  async function deleteTagged(tag: string): Promise<number> {
    const tagKey = tagPrefix + tag;
    let deleted = 0;
    let cursor = '0';
    do {
      const [next, flat] = await ready().zscan(tagKey, cursor, 'COUNT', INDEX_PAGE);
      cursor = next;
      const members: string[] = [];
      for (let i = 0; i < flat.length; i += 2) members.push(prefix + flat[i]!);
      if (members.length > 0) deleted += await unlink(members);
    } while (cursor !== '0');
    await ready().unlink(tagKey);
    return deleted;
  }

  /**
   * SCAN + UNLINK of the entries matching `pattern` on every master; with `everything`, the
   * store's index and tag sets too (`clear`).
   */
  async function deleteByScan(pattern: string, everything: boolean): Promise<number> {
    const redis = ready();
    // ioredis adds a client `keyPrefix` to key arguments but not to SCAN MATCH, nor strips it
    // from what SCAN returns: match on the full name, hand back the name without it.
    const clientPrefix = keyPrefixOf(redis);
    const match = escapeGlob(clientPrefix + prefix) + pattern;
    // The store's own sets (indexes, tags) start with the prefix and a NUL no entry key holds.
    const internal = everything ? '\u0000never' : `${clientPrefix}${prefix}\u0000`;
    const nodes = cluster ? (redis as Cluster).nodes('master') : [redis as Redis];
    let deleted = 0;
    for (const node of nodes) {
      const nodePrefix = keyPrefixOf(node);
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', match, 'COUNT', scanCount);
        cursor = next;
        const entries = keys
          .filter((key) => !key.startsWith(internal))
          .map((key) => (key.startsWith(nodePrefix) ? key.slice(nodePrefix.length) : key));
        for (let i = 0; i < entries.length; i += UNLINK_BATCH) {
          const batch = entries.slice(i, i + UNLINK_BATCH);
          // A master holds many slots: one UNLINK per key, pipelined by ioredis.
          const counts = cluster
            ? await Promise.all(batch.map((key) => node.unlink(key)))
            : [await node.unlink(...batch)];
          deleted += counts.reduce((sum, count) => sum + count, 0);
        }
      } while (cursor !== '0');
    }
    return deleted;
  }

  const deletePatternByScan = (pattern: string) => deleteByScan(pattern, false);

  /**
   * On a Cluster the markers live in another slot than the entry: write first, then look.
   * An invalidation records its markers before it deletes, so either this look sees them and
   * takes the entry back, or the invalidation's delete comes after the write and removes it.
   */
  async function setThenCheck(
    key: string,
    write: Promise<unknown>,
    since: string,
    scopes: string[],
  ) {
    await write;
    const passed = await runScript(PASSED_MARK, markerKeys(scopes), [since]);
    if (Number(passed) === 0) return true;
    await ready().unlink(prefix + key);
    return false;
  }

  return {
    name: 'redis',
    async get(key) {
      return (await ready().get(prefix + key)) ?? undefined;
    },
    async set(key, value, ttlMs, options?: StoreSetOptions) {
      const ttl = Math.max(1, Math.ceil(ttlMs));
      const tags = options?.tags ?? [];
      const since = options?.since;
      const sets = [
        ...(index ? indexesOf(key) : []).map((name) => indexPrefix + name),
        ...tags.map((tag) => tagPrefix + tag),
      ];
      const scopes = since === undefined ? [] : scopesOf(key, tags);
      if (!cluster) {
        if (sets.length === 0 && since === undefined) {
          await ready().set(prefix + key, value, 'PX', ttl);
          return true;
        }
        const keys = [prefix + key, ...markerKeys(scopes), ...sets];
        const args = [value, ttl, key, since ?? -1, scopes.length];
        return Number(await runScript(SET_INDEXED, keys, args)) === 1;
      }
      const write = Promise.all([
        ready().set(prefix + key, value, 'PX', ttl),
        ...sets.map((set) => runScript(ADD_TO_INDEX, [set], [ttl, key])),
      ]);
      if (since === undefined) {
        await write;
        return true;
      }
      return await setThenCheck(key, write, since, scopes);
    },
    async delete(keys) {
      if (keys.length === 0) return 0;
      await recordInvalidation(keys.map(keyScope));
      return await unlink(keys.map((key) => prefix + key));
    },
    async deletePattern(pattern) {
      await recordInvalidation([patternScope(pattern)]);
      const name = index ? indexFor(literalPrefix(pattern).prefix) : undefined;
      return name ? await deleteIndexed(name, pattern) : await deletePatternByScan(pattern);
    },
    async deleteTags(tags) {
      if (tags.length === 0) return 0;
      await recordInvalidation(tags.map(tagScope));
      let deleted = 0;
      for (const tag of new Set(tags)) deleted += await deleteTagged(tag);
      return deleted;
    },
    async clear() {
      await recordInvalidation([GLOBAL_SCOPE]);
      await deleteByScan('*', true);
    },
    async mark() {
      return (await ready().get(counterKey)) ?? '0';
    },
    async lock(name, ttlMs) {
      const token = randomUUID();
      const taken = await ready().set(lockPrefix + name, token, 'PX', Math.ceil(ttlMs), 'NX');
      return taken === 'OK' ? token : undefined;
    },
    async unlock(name, token) {
      await runScript(UNLOCK, [lockPrefix + name], [token]);
    },
    deletePatternByScan,
  };
}
