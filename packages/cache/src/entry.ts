import { createHash } from 'node:crypto';
import type { CachedEntry } from './types.js';

/*
 * Stored format: a one-line header then the body, untouched:
 *   kc1|<freshUntil>|<status>|<etag>|<content type>\n<body>
 * A hit slices the body out of the stored string: no JSON.parse, no re-serialising, so the
 * hit is byte-identical to the miss and costs less than parsing the JSON would.
 */
const MAGIC = 'kc1|';

/** Builds an entry from a response the handler produced. */
export function createEntry(
  status: number,
  contentType: string,
  body: string,
  freshUntil: number,
): CachedEntry {
  const digest = createHash('sha1').update(body).digest('base64url');
  return { status, contentType, body, etag: `"${digest}"`, freshUntil };
}

export function encodeEntry(entry: CachedEntry): string {
  return `${MAGIC}${entry.freshUntil}|${entry.status}|${entry.etag}|${entry.contentType}\n${entry.body}`;
}

/** Reads a stored string back; anything else (a value some other writer left, a bare JSON) is a miss. */
export function decodeEntry(raw: string): CachedEntry | undefined {
  if (!raw.startsWith(MAGIC)) return undefined;
  const newline = raw.indexOf('\n');
  // indexOf, not split: a hit must not allocate an array of header fields.
  const afterFresh = raw.indexOf('|', MAGIC.length);
  const afterStatus = afterFresh === -1 ? -1 : raw.indexOf('|', afterFresh + 1);
  const afterEtag = afterStatus === -1 ? -1 : raw.indexOf('|', afterStatus + 1);
  if (newline === -1 || afterEtag === -1 || afterEtag > newline) return undefined;
  const freshUntil = parseDigits(raw, MAGIC.length, afterFresh);
  const status = parseDigits(raw, afterFresh + 1, afterStatus);
  if (Number.isNaN(freshUntil) || Number.isNaN(status)) return undefined;
  return {
    freshUntil,
    status,
    etag: raw.slice(afterStatus + 1, afterEtag),
    // A content type may itself contain `|` in a parameter: it runs to the end of the line.
    contentType: raw.slice(afterEtag + 1, newline),
    body: raw.slice(newline + 1),
  };
}

/** The decimal number written in `text[from, to)`, without slicing it out; NaN if not digits. */
function parseDigits(text: string, from: number, to: number): number {
  if (from >= to) return Number.NaN;
  let value = 0;
  for (let i = from; i < to; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return Number.NaN;
    value = value * 10 + digit;
  }
  return value;
}

/** RFC 9110 weak comparison of `If-None-Match` against an entry's ETag. */
export function matchesIfNoneMatch(header: string | undefined | null, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  for (const candidate of header.split(',')) {
    const tag = candidate.trim();
    if ((tag.startsWith('W/') ? tag.slice(2) : tag) === etag) return true;
  }
  return false;
}
