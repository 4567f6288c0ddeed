import type { Redis } from 'ioredis';
import type { Operation } from '../measure.js';
import type { Settings } from '../settings.js';
import type { Invalidator } from './invalidation.js';

/** Our rows, built from @kit/cache's public API exactly as an app would use it. */
export interface OursCache {
  /** What the route-shaped hit row measures, for the table. */
  routeWhat: string;
  routeHit(client: Redis, keySpace: number): Promise<Operation>;
  storeGet(client: Redis, keySpace: number): Promise<Operation>;
  /** How `fill` writes, for the report. */
  fillWhat: string;
  fill(client: Redis, settings: Settings, log: (line: string) => void): Promise<Invalidator>;
}

throw new Error('not wired yet');
