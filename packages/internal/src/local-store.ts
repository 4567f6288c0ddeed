/**
 * Marks a store that answers from this process and never waits on I/O, so callers skip their
 * timeout bookkeeping for it. A symbol, not a field of the public store interfaces: a
 * third-party store has nothing to declare. `Symbol.for`, so the ESM and CJS builds agree.
 */
export const LOCAL_STORE: unique symbol = Symbol.for('@kit/local-store') as never;

/** True for a store marked with {@link LOCAL_STORE}. */
export function isLocalStore(store: object): boolean {
  return (store as { [LOCAL_STORE]?: unknown })[LOCAL_STORE] === true;
}

/** Marks `store` as local (see {@link LOCAL_STORE}) and returns it. */
export function markLocalStore<T extends object>(store: T): T {
  Object.defineProperty(store, LOCAL_STORE, { value: true });
  return store;
}
