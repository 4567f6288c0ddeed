/**
 * The decoded form of recently read values, so a hit skips decoding (for a ~1 KB JSON page,
 * `JSON.parse` is most of what an in-process hit costs). A remembered form is used only when
 * the payload just read is the very text it was decoded from, so the memo never answers with
 * another value than the store (or `l1`) holds now, whatever was invalidated in between. Every
 * hit of one payload gets the same object: `shareDecoded` freezes it.
 *
 * @example
 * ```ts
 * const memo = new DecodedMemo((text) => Object.freeze(JSON.parse(text)), 10_000);
 * memo.read('posts:1', payload, () => payload);
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

  /** The decoded form of `held` (the payload just read for `key`), whose text is `value()`. */
  read(key: string, held: string, value: () => string): unknown {
    const form = this.#forms.get(key);
    // The same text: `===` compares contents (a pointer check when it is the same string).
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
