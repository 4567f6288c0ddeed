/**
 * The memory store's entries as the two-level store reads them (internal to the package): the
 * stored value, and a slot where the reader keeps what it decoded from that value. The slot
 * lives and dies with the entry (a `set` makes a new one), so a hit decodes each stored value
 * once, and the decoded form never outlives the bounds of the store.
 */
export interface HeldEntry {
  readonly value: string;
  memo: unknown;
}

/** The key of `memoryStore()`'s entry lookup: `store[PEEK_ENTRY](key)`, like `peek`. */
export const PEEK_ENTRY: unique symbol = Symbol.for('@kit/cache/peek-entry') as never;

/** The entry lookup of `store`, when it has one (`memoryStore()` does). */
export function peekEntryOf(store: object): ((key: string) => HeldEntry | undefined) | undefined {
  const peek = (store as { [PEEK_ENTRY]?: (key: string) => HeldEntry | undefined })[PEEK_ENTRY];
  return typeof peek === 'function' ? peek.bind(store) : undefined;
}
