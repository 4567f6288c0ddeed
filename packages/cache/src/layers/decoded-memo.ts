/**
 * The decoded form of the `l1` copies read recently, so a hit skips decoding (for a ~1 KB JSON
 * page, `JSON.parse` is most of what an in-process hit costs). A remembered form is used only
 * while `l1` still holds the very copy it was decoded from: any eviction, overwrite or refill
 * makes a new copy (its held text starts with the time it was stored), so the memo can never
 * answer with an older value than `l1` would. Every hit of a copy gets the same object.
 *
 * @example
 * ```ts
 * const memo = new DecodedMemo((text) => Object.freeze(JSON.parse(text)), 10_000);
 * memo.read('posts:1', held, heldValue(held));
 * ```
 */
export class DecodedMemo {
  readonly #decode: (value: string) => unknown;
  readonly #maxEntries: number;
  /** Key -> the held copy and its decoded form; oldest first, bounded by `maxEntries`. */
  readonly #forms = new Map<string, { held: string; decoded: unknown }>();

  constructor(decode: (value: string) => unknown, maxEntries: number) {
    this.#decode = decode;
    this.#maxEntries = maxEntries;
  }

  /** The decoded form of `held` (the copy `l1` holds for `key`), whose value is `value`. */
  read(key: string, held: string, value: () => string): unknown {
    const form = this.#forms.get(key);
    // The same copy: `===` on the string l1 handed out again is a pointer comparison.
    if (form !== undefined && form.held === held) return form.decoded;
    const decoded = this.#decode(value());
    if (form !== undefined) {
      form.held = held;
      form.decoded = decoded;
      return decoded;
    }
    this.#forms.set(key, { held, decoded });
    if (this.#forms.size > this.#maxEntries) {
      const oldest = this.#forms.keys().next().value as string;
      this.#forms.delete(oldest);
    }
    return decoded;
  }

  /** Forgets the forms of evicted keys, so the memo holds no memory for them. */
  forget(keys: readonly string[]): void {
    for (const key of keys) this.#forms.delete(key);
  }

  /** Decodes a value that never was an `l1` copy (a read through to `l2`). */
  decode(value: string): unknown {
    return this.#decode(value);
  }

  clear(): void {
    this.#forms.clear();
  }
}
