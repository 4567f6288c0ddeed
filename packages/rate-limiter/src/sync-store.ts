import type { SlotHint } from './stores/slot-table.js';
import type { AdjustRequest, RateLimitStore, StoreRequest, StoreResult } from './types.js';

/**
 * The key of an in-process store's synchronous fast path. Private to the package: a third-party
 * store implements only the async `RateLimitStore`. `Symbol.for`, so the ESM and CJS builds (and
 * the published test suite) find the same path on the same store.
 */
export const SYNC_PATH: unique symbol = Symbol.for('@kit/rate-limiter/sync') as never;

/**
 * Answers `consume`, `peek` and `adjust` without a promise, so the limiter skips a promise layer. `now`
 * (epoch ms) is the limiter's clock reading for the check, so the store need not read it again;
 * without it the store reads its own. It must answer exactly as the async methods do.
 */
export interface SyncPath {
  /** `hint`: where this key was last time, checked before use (see SlotHint). */
  consume(request: StoreRequest, now?: number, hint?: SlotHint): StoreResult;
  peek(request: StoreRequest, now?: number, hint?: SlotHint): StoreResult;
  adjust(request: AdjustRequest, now?: number): void;
}

/** The store's synchronous fast path, if it has one. */
export function syncPathOf(store: RateLimitStore): SyncPath | undefined {
  return (store as { [SYNC_PATH]?: SyncPath })[SYNC_PATH];
}

/** Gives `store` a synchronous fast path (non-enumerable, outside its public type). */
export function withSyncPath<T extends RateLimitStore>(store: T, path: SyncPath): T {
  Object.defineProperty(store, SYNC_PATH, { value: path });
  return store;
}
