import { coalesceWrites } from '@kit/internal';
import type { Options } from 'express-rate-limit';
import type { Redis } from 'ioredis';
import { RedisStore } from 'rate-limit-redis';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import type { Operation } from '../measure.js';

/** A window long enough and a limit high enough that every throughput call is allowed. */
export const WINDOW_SECONDS = 3600;
export const HIGH_LIMIT = 1_000_000_000;

// The floor: one INCR and, on a new key, one PEXPIRE, in one script run by SHA. Nothing a
// one-round-trip rate limiter does can cost less than this on the same connection.
const FLOOR_SCRIPT = `local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return count`;

// The floor of several windows: the same per key, for each key, answering the first count.
const FLOOR_SCRIPT_WINDOWS = `local first
for i = 1, #KEYS do
  local count = redis.call('INCR', KEYS[i])
  if count == 1 then redis.call('PEXPIRE', KEYS[i], ARGV[1]) end
  first = first or count
end
return first`;

/**
 * Bare EVALSHA of the minimal INCR+PEXPIRE script, straight on ioredis. `keys` defaults to short
 * keys; the same-key floor passes keys shaped like the limiter's fixed-window keys instead.
 * `coalesced` sends each tick's commands in one socket write, as both packages'
 * Redis stores send theirs: the floor of a store that coalesces its writes.
 */
export async function floorEvalsha(
  client: Redis,
  keySpace: number,
  keys: string[] = keyList('bench:rl:floor:user-', keySpace),
  coalesced = false,
): Promise<Operation> {
  const sha = (await client.script('LOAD', FLOOR_SCRIPT)) as string;
  const windowMs = String(WINDOW_SECONDS * 1000);
  const beforeSend = coalesced ? coalesceWrites(client) : () => {};
  return (i) => {
    beforeSend();
    return client.evalsha(sha, 1, keys[i % keySpace] as string, windowMs);
  };
}

/**
 * The coalesced floor of a check of several windows: one INCR (and PEXPIRE on a new key) per
 * window key, in one script by SHA, on the limiter's key shape for the same windows. What no
 * store counting each window under its own key can undercut.
 */
export async function floorEvalshaWindows(
  client: Redis,
  keySpace: number,
  periodsMs: readonly number[],
): Promise<Operation> {
  const sha = (await client.script('LOAD', FLOOR_SCRIPT_WINDOWS)) as string;
  const windowMs = String(WINDOW_SECONDS * 1000);
  const beforeSend = coalesceWrites(client);
  const now = Date.now();
  const keys = Array.from({ length: keySpace }, (_, n) =>
    periodsMs.map((period, i) => {
      const stamp = (now - (now % period)) / 1000;
      const base = `bench:rl:floor-windows:{user-${n}:api_v1_tasks}`;
      return i === 0 ? `${base}:${stamp}` : `${base}:w${period}:${stamp}`;
    }),
  );
  return (i) => {
    beforeSend();
    return client.evalsha(sha, periodsMs.length, ...(keys[i % keySpace] as string[]), windowMs);
  };
}

/** Keys of the limiter's fixed-window shape (hash tag, path, window start), for the same-key floor. */
export function limiterShapedKeys(prefix: string, keySpace: number): string[] {
  const now = Date.now();
  const windowStart = (now - (now % (WINDOW_SECONDS * 1000))) / 1000;
  return Array.from(
    { length: keySpace },
    (_, n) => `${prefix}{user-${n}:api_v1_tasks}:${windowStart}`,
  );
}

/** rate-limiter-flexible's `RateLimiterRedis.consume`. */
export function rateLimiterFlexible(client: Redis, keySpace: number): Operation {
  const limiter = new RateLimiterRedis({
    storeClient: client,
    points: HIGH_LIMIT,
    duration: WINDOW_SECONDS,
    keyPrefix: 'bench:rl:rlf',
  });
  const keys = keyList('user-', keySpace);
  return (i) => limiter.consume(keys[i % keySpace] as string);
}

/** express-rate-limit's `rate-limit-redis` store `increment`, sending through ioredis `call`. */
export async function rateLimitRedis(client: Redis, keySpace: number): Promise<Operation> {
  const store = new RedisStore({
    sendCommand: (command: string, ...args: string[]) =>
      client.call(command, ...args) as Promise<never>,
    prefix: 'bench:rl:rlr:',
  });
  await store.init({ windowMs: WINDOW_SECONDS * 1000 } as Options);
  const keys = keyList('user-', keySpace);
  return (i) => store.increment(keys[i % keySpace] as string);
}

/** rate-limiter-flexible's `RateLimiterMemory.consume`. */
export function rateLimiterMemory(keySpace: number): Operation {
  const limiter = new RateLimiterMemory({ points: HIGH_LIMIT, duration: WINDOW_SECONDS });
  const keys = keyList('user-', keySpace);
  return (i) => limiter.consume(keys[i % keySpace] as string);
}

/** A fresh `RateLimiterMemory` and a function that tracks one more distinct key. */
export function rateLimiterMemoryInserter(): (key: string) => Promise<unknown> {
  const limiter = new RateLimiterMemory({ points: HIGH_LIMIT, duration: WINDOW_SECONDS });
  return (key) => limiter.consume(key);
}

/** `count` keys built up front so the measured loop does not pay for string building. */
export function keyList(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, n) => `${prefix}${n}`);
}
