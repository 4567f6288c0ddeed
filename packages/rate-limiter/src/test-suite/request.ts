import type { Algorithm, StoreRequest, StoreWindow } from '../types.js';

/** Builds the suite's store requests for one algorithm. */
export interface Requests {
  /** One window, no block: the shape most tests use. */
  one(key: string, limit: number, periodMs: number, cost?: number): StoreRequest;
  /** Several windows (sorted by period) and an optional block. */
  many(key: string, windows: readonly StoreWindow[], cost?: number, blockMs?: number): StoreRequest;
}

export function requestsFor(algorithm: Algorithm): Requests {
  return {
    one: (key, limit, periodMs, cost = 1) => ({
      key,
      algorithm,
      windows: [{ limit, periodMs }],
      cost,
      blockMs: 0,
    }),
    many: (key, windows, cost = 1, blockMs = 0) => ({ key, algorithm, windows, cost, blockMs }),
  };
}
