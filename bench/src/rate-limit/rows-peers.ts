/** The floors and peers of the rate-limit tables as `RowFactory`s (see rows-ours.ts). */
import type { RedisOptions } from 'ioredis';
import type { HostContext as Ctx } from '../isolated/ref.js';
import {
  floorEvalsha,
  keyList,
  limiterShapedKeys,
  rateLimiterFlexible,
  rateLimiterMemory,
  rateLimitRedis,
} from './peers.js';

export const floor = async (c: Ctx, k: number) => floorEvalsha(await c.connect(), k);
export const floorCoalesced = async (c: Ctx, k: number) =>
  floorEvalsha(await c.connect(), k, keyList('bench:rl:floor-coalesced:user-', k), true);
export const floorSameKey = async (c: Ctx, k: number) =>
  floorEvalsha(await c.connect(), k, limiterShapedKeys('bench:rl:floor-same-key:', k), true);
export const rlf = async (c: Ctx, k: number, options?: RedisOptions) =>
  rateLimiterFlexible(await c.connect(options), k);
export const rlr = async (c: Ctx, k: number) => rateLimitRedis(await c.connect(), k);
export const rlm = (_: Ctx, k: number) => rateLimiterMemory(k);
