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

/** Reads a stored string back; anything else (e.g. a value the original decorator left) is a miss. */
export function decodeEntry(raw: string): CachedEntry | undefined {
  if (!raw.startsWith(MAGIC)) return undefined;
  const newline = raw.indexOf('\n');
  if (newline === -1) return undefined;
  const fields = raw.slice(MAGIC.length, newline).split('|');
  if (fields.length < 4) return undefined;
  const freshUntil = Number(fields[0]);
  const status = Number(fields[1]);
  if (!Number.isFinite(freshUntil) || !Number.isInteger(status)) return undefined;
  return {
    freshUntil,
    status,
    etag: fields[2]!,
    // A content type may itself contain `|` in a parameter; keep the rest whole.
    contentType: fields.slice(3).join('|'),
    body: raw.slice(newline + 1),
  };
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
