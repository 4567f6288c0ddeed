/** Our cache rows as `RowFactory`s (see rows-peers.ts). */
import type { HostContext as Ctx } from '../isolated/ref.js';
import { oursL1Hit, oursMemoryHit, oursRedisHit } from './layers-ours.js';
import { oursCache } from './ours.js';

export const routeHit = async (c: Ctx, k: number) => oursCache.routeHit(await c.connect(), k);
export const storeGet = async (c: Ctx, k: number) => oursCache.storeGet(await c.connect(), k);
export const redisHit = async (c: Ctx, k: number) => (await oursRedisHit(await c.connect(), k)).op;
export const l1Hit = async (c: Ctx, k: number, shareDecoded: boolean) =>
  (await oursL1Hit(await c.connect(), await c.connect(), k, shareDecoded)).op;
export const memoryHit = async (_: Ctx, k: number) => (await oursMemoryHit(k)).op;
