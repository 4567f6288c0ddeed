/**
 * The floors and peers of the cache tables as `RowFactory`s: each builds (and seeds) its row in
 * the process that times it (see isolated/host.ts). A row's own connections close with it.
 */
import type { HostContext as Ctx } from '../isolated/ref.js';
import {
  bentocacheL1,
  bentocacheL2,
  cacheManagerKeyv,
  cacheManagerMemory,
  floorGet,
} from './peers.js';

export const floor = async (c: Ctx, k: number) => floorGet(await c.connect(), k);
export const bentoGetOrSet = async (c: Ctx, k: number) =>
  (await bentocacheL2(await c.connect(), k)).getOrSet;
export const bentoGet = async (c: Ctx, k: number) => (await bentocacheL2(await c.connect(), k)).get;
export const bentoL1GetOrSet = async (c: Ctx, k: number) =>
  (await bentocacheL1(c.redisUrl, k)).getOrSet;
export const managerWrap = async (c: Ctx, k: number) =>
  (await cacheManagerKeyv(c.redisUrl, k)).wrap;
export const managerGet = async (c: Ctx, k: number) => (await cacheManagerKeyv(c.redisUrl, k)).get;
export const managerMemoryWrap = async (_: Ctx, k: number) => (await cacheManagerMemory(k)).wrap;
