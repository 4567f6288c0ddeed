import { createCache } from '@kit/cache';
import { redisStore } from '@kit/cache/redis';
import type { Redis } from 'ioredis';
import type { Operation } from '../measure.js';
import type { Settings } from '../settings.js';
import type { Invalidator } from './invalidation.js';
import {
  LIST_PAGES_PER_USER,
  listPageKey,
  listPageParams,
  postKey,
  postValue,
  userName,
} from './keyspace.js';
import { makePage } from './page.js';

/** Our rows, built from @kit/cache's public API exactly as an app would use it. */
export interface OursCache {
  /** What the route-shaped hit row measures, for the table. */
  routeWhat: string;
  routeHit(client: Redis, keySpace: number): Promise<Operation>;
  storeGet(client: Redis, keySpace: number): Promise<Operation>;
  /** How `fill` writes, for the report. */
  fillWhat: string;
  fill(
    client: Redis,
    pipelined: Redis,
    settings: Settings,
    log: (line: string) => void,
  ): Promise<Invalidator>;
}

const PREFIX = 'bench:kc:';
const HOUR_MS = 3_600_000;
const TEMPLATE = '{username}_posts:page_{page}:items_per_page:{items_per_page}';

/** Page `n` of the hit rows: its route parameters. */
function hitParams(n: number) {
  return listPageParams(n, (n % LIST_PAGES_PER_USER) + 1);
}

/**
 * A stored entry as a miss writes it, in the documented format (docs/cache.md, "What is
 * stored"): `kc2|<freshUntil>|<staleUntil>|<graceUntil>|<tags>`, a newline, a route's
 * `<status>|<etag>|<content type>`, a newline, and the body.
 */
function entryFor(body: string): string {
  const until = Date.now() + HOUR_MS;
  return `kc2|${until}|${until}|${until}|\n200|"bench"|application/json\n${body}`;
}

export const oursCache: OursCache = {
  routeWhat: 'cache(options, handler)({ method: GET, params }): key, get, entry, headers',

  async routeHit(client, keySpace) {
    const appCache = createCache({ store: redisStore({ client, prefix: PREFIX }) });
    const listPosts = appCache.cache(
      { keyPrefix: TEMPLATE, resourceIdName: 'username', expiration: 3600 },
      ({ params }) => makePage(Number(params.page)),
    );
    const requests = Array.from({ length: keySpace }, (_, n) => ({
      method: 'GET',
      params: hitParams(n),
      headers: {},
    }));
    // Misses first, through the route itself; the stores land just after each response.
    for (const request of requests) await listPosts(request);
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (const request of requests.slice(0, 100)) {
      const response = await listPosts(request);
      if (response.state !== 'HIT') throw new Error(`expected a HIT, got ${response.state}`);
    }
    return (i) => listPosts(requests[i % keySpace] as (typeof requests)[number]);
  },

  async storeGet(client, keySpace) {
    const store = redisStore({ client, prefix: `${PREFIX}store:` });
    const keys = Array.from({ length: keySpace }, (_, n) => {
      const params = hitParams(n);
      return listPageKey(n, Number(params.page));
    });
    for (const [n, key] of keys.entries()) {
      await store.set(key, entryFor(JSON.stringify(makePage(n))), HOUR_MS);
    }
    // What the engine does with a hit: read the string, slice the body out of the envelope.
    return async (i) => {
      const raw = await store.get(keys[i % keySpace] as string);
      return raw?.slice(raw.indexOf('\n', raw.indexOf('\n') + 1) + 1);
    };
  },

  fillWhat:
    '`redisStore().set()` (SET PX plus index upkeep, one script per key) with 512 writes in flight on an auto-pipelining connection',

  async fill(client, pipelined, settings, log) {
    const writer = redisStore({ client: pipelined, prefix: PREFIX });
    const { fillUsers, pagesPerUser } = settings;
    const pageEntries = Array.from({ length: LIST_PAGES_PER_USER }, (_, p) =>
      entryFor(JSON.stringify(makePage(p + 1))),
    );
    const total = fillUsers * pagesPerUser;
    let next = 0;
    async function worker(): Promise<void> {
      for (let n = next++; n < total; n = next++) {
        const u = Math.floor(n / pagesPerUser);
        const k = n % pagesPerUser;
        if (k < LIST_PAGES_PER_USER) {
          await writer.set(listPageKey(u, k + 1), pageEntries[k] as string, HOUR_MS);
        } else {
          await writer.set(postKey(u, k), entryFor(postValue(u, k)), HOUR_MS);
        }
        if (n % 100_000 === 0 && n > 0) log(`    ${n.toLocaleString('en-US')} written`);
      }
    }
    await Promise.all(Array.from({ length: 512 }, worker));

    // Invalidation runs on an ordinary connection, as the app's write route would.
    const store = redisStore({ client, prefix: PREFIX });
    const appCache = createCache({ store });
    return {
      invalidateByScan: (u) => store.deletePatternByScan(`${userName(u)}_posts:*`),
      invalidate: async (u) =>
        (await appCache.invalidate({
          patterns: ['{username}_posts:*'],
          params: { username: userName(u) },
        })) ?? Number.NaN,
      redisPattern: (u) => `${PREFIX}${userName(u)}_posts:*`,
      redisKeys: (u) =>
        Array.from({ length: LIST_PAGES_PER_USER }, (_, p) => PREFIX + listPageKey(u, p + 1)),
    };
  },
};
