/** The floors and peers of the rate-limit tables as `RowFactory`s (see rows-ours.ts). */
import type { RedisOptions } from 'ioredis';
import type { HostContext as Ctx } from '../isolated/ref.js';
import {
  floorEvalsha,
  floorEvalshaCoalesced,
  limiterShapedKeys,
  rateLimiterFlexible,
  rateLimiterMemory,
  rateLimitRedis,
} from './peers.js';

export const floor = async (c: Ctx, k: number) => floorEvalsha(await c.connect(), k);
export const floorCoalesced = async (c: Ctx, k: number) =>
  floorEvalshaCoalesced(await c.connect(), k);
export const floorSameKey = async (c: Ctx, k: number) =>
  floorEvalshaCoalesced(await c.connect(), k, limiterShapedKeys('bench:rl:floor-same-key:', k));
export const rlf = async (c: Ctx, k: number, options?: RedisOptions) =>
  rateLimiterFlexible(await c.connect(options), k);
export const rlr = async (c: Ctx, k: number) => rateLimitRedis(await c.connect(), k);
export const rlm = (_: Ctx, k: number) => rateLimiterMemory(k);
