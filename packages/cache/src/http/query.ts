import type { RequestParamValue } from '../types.js';

/**
 * Most query parameters a framework's parser keeps: qs' `parameterLimit` and Node's
 * `querystring` `maxKeys` both stop at 1,000 and drop the rest without a word.
 */
export const MAX_QUERY_PARAMETERS = 1000;

/** The query values a key needs, or why they cannot be trusted (and every candidate value). */
export type QueryReading =
  | { readonly trusted: true; readonly values: Record<string, RequestParamValue> }
  | {
      readonly trusted: false;
      readonly problem: string;
      readonly candidates: Record<string, RequestParamValue>;
    };

const NONE: QueryReading = { trusted: true, values: {} };

/**
 * Reads `names` from the raw query string and checks them against the framework's parse, so
 * a key holds exactly what the handler reads. Untrusted (the request must be served
 * uncached): a second `?` (`?x=?&page=2`: a reader that splits on `?` sees no page), more
 * parameters than parsers keep (the page past the limit is dropped by one reader and read by
 * another), or a value the framework parsed differently (`page[a]=1`, decoding). A repeated
 * value is trusted as the array of its values, which the key refuses and a write expands.
 */
export function readQuery(
  search: string,
  parsed: Readonly<Record<string, unknown>> | undefined,
  names: readonly string[],
  defaults: Readonly<Record<string, string>> = {},
): QueryReading {
  if (names.length === 0) return NONE;
  const raw = rawValues(search, names);
  let problem = raw.problem;
  const values: Record<string, RequestParamValue> = {};
  for (const name of names) {
    const found = raw.values.get(name);
    const value = found === undefined ? undefined : found.length === 1 ? found[0] : found;
    values[name] = value;
    problem ??= disagreement(name, found, parsed?.[name], defaults[name]);
  }
  if (problem === undefined) return { trusted: true, values };
  return { trusted: false, problem, candidates: candidatesOf(values, parsed, names) };
}

/**
 * Why the framework's value of `name` is not the raw one, or `undefined` when they agree. A
 * schema may coerce (`'2'` to `2`) and fill in the route's own default: the same reading.
 */
function disagreement(
  name: string,
  raw: string[] | undefined,
  parsed: unknown,
  fallback: string | undefined,
): string | undefined {
  if (raw === undefined) {
    return parsed === undefined || (fallback !== undefined && scalarText(parsed) === fallback)
      ? undefined
      : `query parameter "${name}" is absent from the query string but present in the parsed query (a structured or renamed parameter)`;
  }
  if (raw.length > 1) return undefined;
  if (scalarText(parsed) === raw[0]) return undefined;
  return `query parameter "${name}" reads differently in the query string than in the framework's parsed query`;
}

/**
 * Every value a reader might have taken for each name, absent included (`''`, which a write
 * reads as "the default"): a write invalidates the keys of all of them.
 */
function candidatesOf(
  values: Record<string, RequestParamValue>,
  parsed: Readonly<Record<string, unknown>> | undefined,
  names: readonly string[],
): Record<string, RequestParamValue> {
  const out: Record<string, RequestParamValue> = {};
  for (const name of names) {
    const seen = new Set<string>(['']);
    const add = (value: unknown) => {
      if (typeof value === 'string') seen.add(value);
      else if (Array.isArray(value)) for (const item of value) add(item);
    };
    add(values[name]);
    add(parsed?.[name]);
    out[name] = seen.size === 1 ? '' : [...seen];
  }
  return out;
}

function rawValues(
  search: string,
  names: readonly string[],
): { values: Map<string, string[]>; problem: string | undefined } {
  const values = new Map<string, string[]>();
  let problem: string | undefined;
  if (search.includes('?')) {
    problem = 'the query string holds a second "?", where readers disagree on where it starts';
  }
  let count = 0;
  let start = 0;
  while (start <= search.length) {
    let end = search.indexOf('&', start);
    if (end === -1) end = search.length;
    if (end > start) {
      count++;
      // Look for `=` inside this piece only: searching on from it costs quadratic time on a
      // long query of bare names.
      let nameEnd = start;
      while (nameEnd < end && search.charCodeAt(nameEnd) !== 61 /* = */) nameEnd++;
      const name = decode(search.slice(start, nameEnd));
      if (names.includes(name)) {
        const value = nameEnd === end ? '' : decode(search.slice(nameEnd + 1, end));
        const list = values.get(name);
        if (list) list.push(value);
        else values.set(name, [value]);
      }
    }
    start = end + 1;
  }
  if (count > MAX_QUERY_PARAMETERS) {
    // The count stays out of the message: one message per route, however long the floods.
    problem ??= `the query string has more than the ${MAX_QUERY_PARAMETERS} parameters parsers keep`;
  }
  return { values, problem };
}

/** `application/x-www-form-urlencoded` decoding; a malformed escape stays as written. */
function decode(text: string): string {
  if (!text.includes('%') && !text.includes('+')) return text;
  const spaced = text.replaceAll('+', ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

/** A parsed value as the text it was read from: Hono's one-value arrays, coerced scalars. */
function scalarText(parsed: unknown): string | undefined {
  // Hono's `queries()` holds every value as an array, even a single one.
  const single = Array.isArray(parsed) && parsed.length === 1 ? parsed[0] : parsed;
  if (typeof single === 'string') return single;
  return typeof single === 'number' || typeof single === 'boolean' ? String(single) : undefined;
}
