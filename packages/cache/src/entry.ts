import { createHash } from 'node:crypto';
import { parseDigits } from './record.js';
import type { CachedEntry } from './types.js';

/*
 * A route's payload inside its record (see record.ts): a line of response metadata, then the
 * body, untouched:
 *   <status>|<etag>|<content type>\n<body>
 * A hit slices the body out of the stored string: no JSON.parse, no re-serialising, so the
 * hit is byte-identical to the miss and costs less than parsing the JSON would.
 */

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

/** The payload a route stores for an entry (its times live in the record around it). */
export function encodeEntry(entry: CachedEntry): string {
  return `${entry.status}|${entry.etag}|${entry.contentType}\n${entry.body}`;
}

/** Reads a route's payload back; anything else is a miss. */
export function decodeEntry(payload: string, freshUntil: number): CachedEntry | undefined {
  const newline = payload.indexOf('\n');
  const afterStatus = payload.indexOf('|');
  const afterEtag = afterStatus === -1 ? -1 : payload.indexOf('|', afterStatus + 1);
  if (newline === -1 || afterEtag === -1 || afterEtag > newline) return undefined;
  const status = parseDigits(payload, 0, afterStatus);
  if (Number.isNaN(status)) return undefined;
  return {
    freshUntil,
    status,
    etag: payload.slice(afterStatus + 1, afterEtag),
    // A content type may itself contain `|` in a parameter: it runs to the end of the line.
    contentType: payload.slice(afterEtag + 1, newline),
    body: payload.slice(newline + 1),
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
