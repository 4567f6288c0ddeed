/** The floors and peers of the rate-limit tables as `RowFactory`s (see rows-ours.ts). */
import type { RedisOptions } from 'ioredis';
import type { HostContext as Ctx } from '../isolated/ref.js';
import {
  floorEvalsha,
  floorEvalshaWindows,
  keyList,
  limiterShapedKeys,
  rateLimiterFlexible,
  rateLimiterMemory,
  rateLimitRedis,
  WINDOW_SECONDS,
} from './peers.js';

export const floor = async (c: Ctx, k: number) => floorEvalsha(await c.connect(), k);
export const floorCoalesced = async (c: Ctx, k: number) =>
  floorEvalsha(await c.connect(), k, keyList('bench:rl:floor-coalesced:user-', k), true);
export const floorSameKey = async (c: Ctx, k: number) =>
  floorEvalsha(await c.connect(), k, limiterShapedKeys('bench:rl:floor-same-key:', k), true);
// The bench's three windows: a minute, its hour and a day (see ours.ts).
export const floorThreeWindows = async (c: Ctx, k: number) =>
  floorEvalshaWindows(await c.connect(), k, [60_000, WINDOW_SECONDS * 1000, 86_400_000]);
export const rlf = async (c: Ctx, k: number, options?: RedisOptions) =>
  rateLimiterFlexible(await c.connect(options), k);
export const rlr = async (c: Ctx, k: number) => rateLimitRedis(await c.connect(), k);
export const rlm = (_: Ctx, k: number) => rateLimiterMemory(k);
