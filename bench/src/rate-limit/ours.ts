import {
  createRateLimiter,
  type RateLimiter,
  type RateLimiterOptions,
  type RateLimitStore,
  type StoreRequest,
  type StoreWindow,
} from '@kit/rate-limiter';
import { memoryStore } from '@kit/rate-limiter/memory';
import { redisStore } from '@kit/rate-limiter/redis';
import type { Redis } from 'ioredis';
import { ipFor } from '../heap.js';
import type { Operation } from '../measure.js';
import { HIGH_LIMIT, WINDOW_SECONDS } from './peers.js';

const PATH = '/api/v1/tasks';
const OVER_LIMIT_CALLERS = 1_000;

/** Our rows, built from the package's public API exactly as an app would use it. */
export interface OursRateLimit {
  redisStoreConsume(client: Redis, keySpace: number): Promise<Operation>;
  /** The same consume with three windows (minute, hour, day), all allowed. */
  redisStoreConsumeThree(client: Redis, keySpace: number): Promise<Operation>;
  redisCheck(client: Redis, keySpace: number): Promise<Operation>;
  /** check() with a rule of three windows. */
  redisCheckThree(client: Redis, keySpace: number): Promise<Operation>;
  overLimit(client: Redis): Promise<Operation>;
  memoryStoreConsume(keySpace: number): Operation;
  memoryStoreConsumeThree(keySpace: number): Operation;
  memoryCheck(keySpace: number): Operation;
  /**
   * check() of signed-in users with a tier rule from resolveRule (memoised, as in an app), the
   * identity made per check.
   */
  memoryCheckUser(keySpace: number): Operation;
  /** check() of signed-in users with no resolveRule: the default rule, per tier. */
  memoryCheckUserDefault(keySpace: number): Operation;
  /** check() with the controls switched on: an allow list, onDecision, blockDuration, shadow. */
  memoryCheckControls(keySpace: number): Operation;
  memoryCheckThree(keySpace: number): Operation;
  memoryStoreInserter(): (key: string) => unknown;
  memoryCheckInserter(): (key: string) => unknown;
}

const ONE_WINDOW: StoreWindow[] = [{ limit: HIGH_LIMIT, periodMs: WINDOW_SECONDS * 1000 }];
// A minute, the bench's hour and a day: the shape of "60/min, 1000/h, 10000/day" rules.
const THREE_WINDOWS: StoreWindow[] = [
  { limit: HIGH_LIMIT, periodMs: 60_000 },
  ...ONE_WINDOW,
  { limit: HIGH_LIMIT, periodMs: 86_400_000 },
];

/** The same three windows as a rule (the hour is the bench's window). */
const THREE_RULE = [
  { limit: HIGH_LIMIT, period: 60 },
  { limit: HIGH_LIMIT, period: WINDOW_SECONDS },
  { limit: HIGH_LIMIT, period: 86_400 },
];

/** Store requests built up front, one per key, as the limiter builds them once per check. */
function requests(
  keyFor: (n: number) => string,
  keySpace: number,
  windows: StoreWindow[],
): StoreRequest[] {
  return Array.from({ length: keySpace }, (_, n) => ({
    key: keyFor(n),
    algorithm: 'fixed-window' as const,
    windows,
    cost: 1,
    blockMs: 0,
  }));
}

function consumeOp(
  store: RateLimitStore,
  keyFor: (n: number) => string,
  keySpace: number,
  windows = ONE_WINDOW,
): Operation {
  const reqs = requests(keyFor, keySpace, windows);
  return (i) => store.consume(reqs[i % keySpace] as StoreRequest);
}

function checkOp(
  store: RateLimitStore,
  keySpace: number,
  options: Partial<RateLimiterOptions> = {},
): Operation {
  const limiter = createRateLimiter({
    store,
    defaultRule: { limit: HIGH_LIMIT, period: WINDOW_SECONDS },
    prefix: 'bench:rl:ours-check',
    ...options,
  });
  const ips = Array.from({ length: keySpace }, (_, n) => ipFor(n));
  return (i) => limiter.check({ path: PATH, ip: ips[i % keySpace] as string });
}

/**
 * Checks of signed-in 'pro' users. The identity is made per check, as an app's identify() makes
 * it from the session (the example apps: `{ id: found.id, tier: found.tier }`); the id strings
 * exist already, as RateLimiterMemory's keys do. Identity objects made once and cycled through
 * instead are read cold on every check, which an app's, made for the request, never are.
 */
function userCheckOp(limiter: RateLimiter, keySpace: number): Operation {
  const ids = Array.from({ length: keySpace }, (_, n) => String(n));
  return (i) => limiter.check({ path: PATH, identity: { id: ids[i % keySpace]!, tier: 'pro' } });
}

// Big enough that the heap measurement's keys are all tracked, not evicted by the bound.
const MEMORY_MAX_KEYS = 2_000_000;

export const oursRateLimit: OursRateLimit = {
  async redisStoreConsume(client, keySpace) {
    return consumeOp(
      redisStore({ client }),
      // The limiter's key shape: a hash tag around caller and path.
      (n) => `bench:rl:ours-store:{user-${n}:api_v1_tasks}`,
      keySpace,
    );
  },
  async redisStoreConsumeThree(client, keySpace) {
    return consumeOp(
      redisStore({ client }),
      (n) => `bench:rl:ours-store-3w:{user-${n}:api_v1_tasks}`,
      keySpace,
      THREE_WINDOWS,
    );
  },
  async redisCheck(client, keySpace) {
    return checkOp(redisStore({ client }), keySpace);
  },
  async redisCheckThree(client, keySpace) {
    return checkOp(redisStore({ client }), keySpace, {
      defaultRule: THREE_RULE,
      prefix: 'bench:rl:ours-check-3w',
    });
  },
  async overLimit(client) {
    const limiter = createRateLimiter({
      store: redisStore({ client }),
      defaultRule: { limit: 1, period: WINDOW_SECONDS },
      prefix: 'bench:rl:ours-over',
    });
    const ips = Array.from({ length: OVER_LIMIT_CALLERS }, (_, n) => ipFor(n));
    for (const ip of ips) {
      await limiter.check({ path: PATH, ip });
      const second = await limiter.check({ path: PATH, ip });
      if (second.allowed) throw new Error('over-limit setup: second check was allowed');
    }
    return (i) => limiter.check({ path: PATH, ip: ips[i % OVER_LIMIT_CALLERS] as string });
  },
  memoryStoreConsume(keySpace) {
    return consumeOp(memoryStore({ maxKeys: MEMORY_MAX_KEYS }), (n) => `user-${n}`, keySpace);
  },
  memoryStoreConsumeThree(keySpace) {
    return consumeOp(
      memoryStore({ maxKeys: MEMORY_MAX_KEYS }),
      (n) => `user-${n}`,
      keySpace,
      THREE_WINDOWS,
    );
  },
  memoryCheck(keySpace) {
    return checkOp(memoryStore({ maxKeys: MEMORY_MAX_KEYS }), keySpace);
  },
  memoryCheckUser(keySpace) {
    const limiter = createRateLimiter({
      store: memoryStore({ maxKeys: MEMORY_MAX_KEYS }),
      resolveRule: ({ identity }) =>
        identity?.tier === 'pro' ? { limit: HIGH_LIMIT, period: WINDOW_SECONDS } : null,
    });
    return userCheckOp(limiter, keySpace);
  },
  memoryCheckUserDefault(keySpace) {
    const limiter = createRateLimiter({
      store: memoryStore({ maxKeys: MEMORY_MAX_KEYS }),
      defaultRule: { limit: HIGH_LIMIT, period: WINDOW_SECONDS },
    });
    return userCheckOp(limiter, keySpace);
  },
  memoryCheckControls(keySpace) {
    let _decisions = 0;
    return checkOp(memoryStore({ maxKeys: MEMORY_MAX_KEYS }), keySpace, {
      // Lists that none of the bench's callers (10.x.y.z) is on: each check looks them up and
      // goes on to the store, which is what they cost an app. (On 10.0.0.0/8 every check was
      // allow-listed and never reached the store.)
      allow: { ips: ['172.16.0.0/12'], users: ['admin'] },
      deny: { ips: ['192.0.2.0/24'] },
      blockDuration: '1 min',
      mode: 'shadow',
      onDecision: () => {
        _decisions++;
      },
    });
  },
  memoryCheckThree(keySpace) {
    return checkOp(memoryStore({ maxKeys: MEMORY_MAX_KEYS }), keySpace, {
      defaultRule: THREE_RULE,
    });
  },
  memoryStoreInserter() {
    const store = memoryStore({ maxKeys: MEMORY_MAX_KEYS });
    return (key) =>
      store.consume({ key, algorithm: 'fixed-window', windows: ONE_WINDOW, cost: 1, blockMs: 0 });
  },
  memoryCheckInserter() {
    const limiter = createRateLimiter({
      store: memoryStore({ maxKeys: MEMORY_MAX_KEYS }),
      defaultRule: { limit: HIGH_LIMIT, period: WINDOW_SECONDS },
    });
    return (ip) => limiter.check({ path: PATH, ip });
  },
};
