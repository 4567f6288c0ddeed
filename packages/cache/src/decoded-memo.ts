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
  readonly #maxChars: number;
  /** Characters of the held copies, bounded by `maxChars` as the entries by `maxEntries`. */
  #chars = 0;
  /** Key -> the held copy and its decoded form; oldest first, bounded by `maxEntries`. */
  readonly #forms = new Map<string, { held: string; decoded: unknown }>();

  constructor(decode: (value: string) => unknown, maxEntries: number, maxChars = 16 * 1024 * 1024) {
    this.#decode = decode;
    this.#maxEntries = maxEntries;
    this.#maxChars = maxChars;
  }

  /** The decoded form of `held` (the payload just read for `key`), whose text is `value()`. */
  read(key: string, held: string, value: () => string): unknown {
    const form = this.#forms.get(key);
    // The same text: `===` compares contents (a pointer check when it is the same string).
    if (form !== undefined && form.held === held) return form.decoded;
    const decoded = this.#decode(value());
    // A value larger than the whole bound is decoded each time, never held.
    if (held.length > this.#maxChars) return decoded;
    if (form !== undefined) {
      this.#chars += held.length - form.held.length;
      form.held = held;
      form.decoded = decoded;
    } else {
      this.#forms.set(key, { held, decoded });
      this.#chars += held.length;
    }
    // Oldest first, until both bounds hold: the memo never keeps more than it was given room for.
    for (const [oldest, gone] of this.#forms) {
      if (this.#forms.size <= this.#maxEntries && this.#chars <= this.#maxChars) break;
      if (oldest === key) continue;
      this.#forms.delete(oldest);
      this.#chars -= gone.held.length;
    }
    return decoded;
  }

  /** Decodes a value that never was an `l1` copy (a read through to `l2`). */
  decode(value: string): unknown {
    return this.#decode(value);
  }

  clear(): void {
    this.#forms.clear();
    this.#chars = 0;
  }

  /** Characters held now (what the `maxChars` bound counts). */
  get chars(): number {
    return this.#chars;
  }
}
