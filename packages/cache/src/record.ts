/*
 * What the store holds for a key, for routes and for the data-layer API alike: a one-line
 * header, then the payload, untouched:
 *   kc2|<freshUntil>|<staleUntil>|<graceUntil>|<tags as JSON, or empty>\n<payload>
 * A hit slices the payload out: no JSON.parse of the header, and the tags are parsed only when
 * a pending invalidation needs them.
 */
const MAGIC = 'kc2|';

/** One stored key, decoded. Times are epoch ms. */
export interface StoredRecord {
  /** Served as a hit until then. */
  freshUntil: number;
  /** Served stale while one caller refreshes it (stale-while-revalidate) until then. */
  staleUntil: number;
  /** Served instead of a failed load (stale-if-error) until then. */
  graceUntil: number;
  /** The tags the entry was filed under, as stored: `''` or a JSON array. */
  tagsText: string;
  payload: string;
}

/** The lifetimes of a record being written, in ms from now. */
export interface Lifetimes {
  freshMs: number;
  staleMs: number;
  graceMs: number;
}

export function createRecord(
  payload: string,
  tags: readonly string[],
  { freshMs, staleMs, graceMs }: Lifetimes,
  now = Date.now(),
): StoredRecord {
  return {
    freshUntil: now + freshMs,
    staleUntil: now + freshMs + staleMs,
    graceUntil: now + freshMs + graceMs,
    tagsText: tags.length === 0 ? '' : JSON.stringify(tags),
    payload,
  };
}

/** How long the store must keep a record: until neither stale nor grace can serve it. */
export function storeTtlMs(record: StoredRecord, now = Date.now()): number {
  return Math.max(record.staleUntil, record.graceUntil) - now;
}

export function encodeRecord(record: StoredRecord): string {
  const { freshUntil, staleUntil, graceUntil, tagsText, payload } = record;
  return `${MAGIC}${freshUntil}|${staleUntil}|${graceUntil}|${tagsText}\n${payload}`;
}

/** Reads a stored string back; anything else (another writer's value, an old format) is a miss. */
export function decodeRecord(raw: string): StoredRecord | undefined {
  if (!raw.startsWith(MAGIC)) return undefined;
  // indexOf, not split: a hit must not allocate an array of header fields.
  const afterFresh = raw.indexOf('|', MAGIC.length);
  const afterStale = afterFresh === -1 ? -1 : raw.indexOf('|', afterFresh + 1);
  const afterGrace = afterStale === -1 ? -1 : raw.indexOf('|', afterStale + 1);
  // Tags are JSON: a newline in one is escaped, so the first newline ends the header.
  const newline = afterGrace === -1 ? -1 : raw.indexOf('\n', afterGrace + 1);
  if (newline === -1) return undefined;
  const freshUntil = parseDigits(raw, MAGIC.length, afterFresh);
  const staleUntil = parseDigits(raw, afterFresh + 1, afterStale);
  const graceUntil = parseDigits(raw, afterStale + 1, afterGrace);
  if (Number.isNaN(freshUntil) || Number.isNaN(staleUntil) || Number.isNaN(graceUntil)) {
    return undefined;
  }
  return {
    freshUntil,
    staleUntil,
    graceUntil,
    tagsText: raw.slice(afterGrace + 1, newline),
    payload: raw.slice(newline + 1),
  };
}

/** The tags of a record; a damaged list reads as none. */
export function recordTags(record: StoredRecord): readonly string[] {
  if (record.tagsText === '') return [];
  try {
    const tags: unknown = JSON.parse(record.tagsText);
    return Array.isArray(tags) ? tags.filter((tag): tag is string => typeof tag === 'string') : [];
  } catch {
    return [];
  }
}

/** The decimal number written in `text[from, to)`, without slicing it out; NaN if not digits. */
export function parseDigits(text: string, from: number, to: number): number {
  if (from >= to) return Number.NaN;
  let value = 0;
  for (let i = from; i < to; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return Number.NaN;
    value = value * 10 + digit;
  }
  return value;
}
