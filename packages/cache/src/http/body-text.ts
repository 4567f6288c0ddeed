/**
 * The text of a response body as the framework ended it, when it is whole UTF-8 text: a string
 * (in UTF-8, or with no encoding given), or a buffer holding exactly such text. Anything else
 * (a buffer of other bytes, a string in another encoding, a stream) is `undefined`: it is not
 * stored, since a hit would send other bytes than the miss did.
 */
export function bodyText(body: unknown, encoding?: unknown): string | undefined {
  if (typeof body === 'string') {
    return encoding === undefined || /^utf-?8$/i.test(String(encoding)) ? body : undefined;
  }
  if (!Buffer.isBuffer(body)) return undefined;
  const text = body.toString('utf8');
  // Invalid sequences decode to U+FFFD: re-encoding tells a lossless decode apart.
  return Buffer.byteLength(text) === body.length && Buffer.from(text).equals(body)
    ? text
    : undefined;
}
