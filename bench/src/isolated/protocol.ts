import type { RoundResult } from '../measure.js';
import type { RowRef } from './ref.js';

/** What the bench asks of a row's process. */
export type HostRequest =
  | { type: 'build'; ref: RowRef; redisUrl: string }
  | { type: 'round'; concurrency: number; durationMs: number; gc: boolean }
  | { type: 'exit' };

/** What a row's process answers. */
export type HostReply =
  | { type: 'up' }
  | { type: 'built' }
  | { type: 'round'; result: RoundResult; cpuUs: number }
  | { type: 'failed'; message: string };
