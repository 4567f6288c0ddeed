/**
 * What the HTTP section serves: per framework, the bare app and every middleware on each store.
 * Shared by the driver and the server processes, so a variant id means the same on both sides.
 */

export const FRAMEWORKS = ['express', 'hono', 'fastify'] as const;
export type Framework = (typeof FRAMEWORKS)[number];

export type Section = 'rate-limit' | 'cache';
export type StoreKind = 'memory' | 'redis';

/** One server the section starts: a framework app with (or without) one middleware. */
export interface Variant {
  framework: Framework;
  /** `<rl|cache>-<impl>[-<store>]`, e.g. `rl-ours-memory`; unique within a framework. */
  id: string;
  section: Section;
  /** `reference`: one of ours set up another way, to explain a row (not a target's row). */
  role: 'bare' | 'ours' | 'peer' | 'reference';
  /** The implementation: `bare`, `ours` or a peer's short name (`erl`, `bento`, ...). */
  impl: string;
  store?: StoreKind;
  label: string;
  /** How the store is reached when that is not obvious from the label. */
  storeNote?: string;
  /** Options of the server's ioredis client, when not the defaults. */
  redisOptions?: { enableAutoPipelining: boolean };
}

/** The rate-limited route: a small JSON body, the same with and without middleware. */
export const RATE_LIMIT_PATH = '/api/v1/tasks';
/** Every request is allowed: the work measured is counting, not refusing. */
export const HIGH_LIMIT = 1_000_000_000;
export const WINDOW_SECONDS = 3600;

/** The cached route and the URLs wrk cycles through: ten pages, all hits after warm-up. */
export const CACHE_ROUTE = '/users/:username/posts/:page';
export const CACHE_PATHS: readonly string[] = Array.from(
  { length: 10 },
  (_, u) => `/users/user${u}/posts/${u + 1}`,
);
export const CACHE_KEY_PREFIX = '{username}_posts:page_{page}';
export const CACHE_TTL_SECONDS = 3600;

interface Impl {
  impl: string;
  label: string;
  stores: readonly StoreKind[];
  /** Per store, how the peer reaches it, when that needs saying. */
  notes?: Partial<Record<StoreKind, string>>;
}

const BOTH: readonly StoreKind[] = ['memory', 'redis'];
const RLF: Impl = { impl: 'rlf', label: 'rate-limiter-flexible as middleware', stores: BOTH };
const BENTO: Impl = {
  impl: 'bento',
  label: 'bentocache getOrSet in the handler',
  stores: BOTH,
  notes: { memory: 'L1 memory driver', redis: 'L2 Redis driver only' },
};

const RATE_LIMIT_PEERS: Record<Framework, readonly Impl[]> = {
  express: [
    {
      impl: 'erl',
      label: 'express-rate-limit',
      stores: BOTH,
      notes: { memory: 'its MemoryStore', redis: 'rate-limit-redis' },
    },
    RLF,
  ],
  hono: [
    {
      impl: 'hrl',
      label: 'hono-rate-limiter',
      stores: BOTH,
      notes: { memory: 'its MemoryStore', redis: 'rate-limit-redis' },
    },
    RLF,
  ],
  fastify: [{ impl: 'frl', label: '@fastify/rate-limit', stores: BOTH }, RLF],
};

const CACHE_PEERS: Record<Framework, readonly Impl[]> = {
  express: [
    {
      impl: 'apicache',
      label: 'apicache',
      stores: BOTH,
      notes: { memory: 'memory-cache', redis: 'redisClient: ioredis' },
    },
    BENTO,
  ],
  hono: [BENTO],
  fastify: [BENTO],
};

const OURS: Record<Section, string> = { 'rate-limit': '@kit/rate-limiter', cache: '@kit/cache' };
const SHORT: Record<Section, string> = { 'rate-limit': 'rl', cache: 'cache' };

function variantsOf(framework: Framework, section: Section): Variant[] {
  const short = SHORT[section];
  const bare: Variant = {
    framework,
    id: `${short}-bare`,
    section,
    role: 'bare',
    impl: 'bare',
    label: section === 'rate-limit' ? 'bare app' : 'bare app (page computed per request)',
  };
  const peers = section === 'rate-limit' ? RATE_LIMIT_PEERS[framework] : CACHE_PEERS[framework];
  const impls: { role: 'ours' | 'peer'; impl: Impl }[] = [
    { role: 'ours', impl: { impl: 'ours', label: OURS[section], stores: BOTH } },
    ...peers.map((impl) => ({ role: 'peer' as const, impl })),
  ];
  const rows = [bare];
  if (section === 'rate-limit') {
    rows.push({
      framework,
      id: `${short}-noop`,
      section,
      role: 'reference',
      impl: 'noop',
      label: 'no-op middleware (calls next(), nothing else)',
    });
    rows.push({
      framework,
      id: `${short}-noop-headers`,
      section,
      role: 'reference',
      impl: 'noop-headers',
      label: 'no-op middleware that sets two constant headers (as ours writes)',
    });
    rows.push({
      framework,
      id: `${short}-ours-noheaders-memory`,
      section,
      role: 'reference',
      impl: 'ours-noheaders',
      store: 'memory',
      label: `${OURS[section]}, headers off`,
      storeNote: 'standardHeaders and legacyHeaders false',
    });
    rows.push({
      framework,
      id: `${short}-ours-autopipe-redis`,
      section,
      role: 'reference',
      impl: 'ours',
      store: 'redis',
      label: `${OURS[section]}, ioredis enableAutoPipelining`,
      storeNote: 'its client made with { enableAutoPipelining: true }',
      redisOptions: { enableAutoPipelining: true },
    });
  }
  for (const { role, impl } of impls) {
    for (const store of impl.stores) {
      const note = impl.notes?.[store];
      rows.push({
        framework,
        id: `${short}-${impl.impl}-${store}`,
        section,
        role,
        impl: impl.impl,
        store,
        label: impl.label,
        ...(note ? { storeNote: note } : {}),
      });
    }
  }
  return rows;
}

/** Every variant of the section, framework by framework, in table order. */
export function catalog(frameworks: readonly Framework[] = FRAMEWORKS): Variant[] {
  return frameworks.flatMap((f) => [...variantsOf(f, 'rate-limit'), ...variantsOf(f, 'cache')]);
}

/** The variant `id` of `framework`, for the server process; throws on an unknown id. */
export function findVariant(framework: string, id: string): Variant {
  const variant = catalog().find((v) => v.framework === framework && v.id === id);
  if (!variant) throw new Error(`unknown HTTP bench variant ${framework}/${id}`);
  return variant;
}

/** The URLs wrk requests for a variant's section. */
export function pathsOf(section: Section): readonly string[] {
  return section === 'rate-limit' ? [RATE_LIMIT_PATH] : CACHE_PATHS;
}
