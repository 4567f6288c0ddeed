import type { GuardedStore } from './guarded-store.js';
import { decodeRecord, type StoredRecord } from './record.js';

/** How often a caller waiting on another instance's load looks for its result. */
export const LOCK_POLL_MS = 20;

const FAILED = Symbol('failed');

/** The lock's name for `key` (no cache key holds a NUL). */
export function lockKeyOf(key: string): string {
  return `${key}\u0000lock`;
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Cross-instance single flight: takes the store's short lock on `key`, or, while another
 * instance holds it, waits for that instance's result by reading the key. The wait is bounded
 * by `lockMs` (the lock's own lifetime), so a holder that crashed never blocks anyone for
 * longer: the lock expires, and the next attempt takes it and loads.
 *
 * Resolves to the lock's token (this caller loads, then unlocks), to the record another
 * instance stored, or to neither (no lock support, the store failed, or the wait ran out:
 * load without the lock).
 */
export async function waitForOtherLoad(
  store: GuardedStore,
  key: string,
  lockMs: number,
  timeoutMs: number,
): Promise<{ token?: string; record?: StoredRecord }> {
  if (!store.supportsLock) return {};
  const lockKey = lockKeyOf(key);
  const deadline = Date.now() + lockMs;
  for (let attempt = 0; ; attempt++) {
    const token = await store.run('lock', timeoutMs, FAILED, (s) => s.lock!(lockKey, lockMs));
    if (token === FAILED) return {};
    if (token !== undefined) {
      // Taken after a wait: the holder may have stored its result and unlocked just now.
      const record = attempt > 0 ? await freshRecord(store, key, timeoutMs) : undefined;
      if (!record) return { token };
      void store.run('unlock', timeoutMs, undefined, (s) => s.unlock!(lockKey, token));
      return { record };
    }
    await sleep(LOCK_POLL_MS);
    const record = await freshRecord(store, key, timeoutMs);
    if (record) return { record };
    if (Date.now() >= deadline) return {};
  }
}

async function freshRecord(
  store: GuardedStore,
  key: string,
  timeoutMs: number,
): Promise<StoredRecord | undefined> {
  const raw = await store.run('get', timeoutMs, undefined, (s) => s.get(key));
  const record = raw === undefined ? undefined : decodeRecord(raw);
  return record && record.freshUntil > Date.now() ? record : undefined;
}
