/**
 * Our rate-limit rows as `RowFactory`s: each builds its operation in the process that times it
 * (see isolated/host.ts), from JSON arguments and the context's Redis connections.
 */
import type { RedisOptions } from 'ioredis';
import type { HostContext as Ctx } from '../isolated/ref.js';
import { oursRateLimit as ours } from './ours.js';

export const oursStore = async (c: Ctx, k: number) => ours.redisStoreConsume(await c.connect(), k);
export const oursStoreThree = async (c: Ctx, k: number) =>
  ours.redisStoreConsumeThree(await c.connect(), k);
export const oursCheck = async (c: Ctx, k: number, options?: RedisOptions) =>
  ours.redisCheck(await c.connect(options), k);
export const oursCheckThree = async (c: Ctx, k: number) =>
  ours.redisCheckThree(await c.connect(), k);
export const oursOverLimit = async (c: Ctx) => ours.overLimit(await c.connect());
export const oursMemoryStore = (_: Ctx, k: number) => ours.memoryStoreConsume(k);
export const oursMemoryStoreThree = (_: Ctx, k: number) => ours.memoryStoreConsumeThree(k);
export const oursMemoryCheck = (_: Ctx, k: number) => ours.memoryCheck(k);
export const oursMemoryCheckUser = (_: Ctx, k: number) => ours.memoryCheckUser(k);
export const oursMemoryCheckControls = (_: Ctx, k: number) => ours.memoryCheckControls(k);
export const oursMemoryCheckThree = (_: Ctx, k: number) => ours.memoryCheckThree(k);
