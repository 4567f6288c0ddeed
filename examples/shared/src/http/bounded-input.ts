import { type FieldError, HttpError } from './errors.js';

/**
 * Deepest nesting of arrays and objects a JSON body may have. No route's schema goes past 3; the
 * limit only has to stop bodies built to exhaust the stack or the CPU of whatever walks them.
 */
export const MAX_JSON_DEPTH = 32;

/** Largest request body both apps read, in bytes; a larger one is a 413 before it is parsed. */
export const MAX_BODY_BYTES = 256 * 1024;

/**
 * Throws a 422 when the JSON text nests arrays or objects deeper than `maxDepth`. One pass over
 * the characters with a counter, so a body of 100,000 `[` costs a scan, not a stack overflow, and
 * it runs before `JSON.parse` builds anything. Brackets inside strings do not count; a malformed
 * text is left for `JSON.parse` to report.
 */
export function assertJsonDepth(text: string, maxDepth = MAX_JSON_DEPTH): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === 92 /* \ */) i++;
      else if (code === 34 /* " */) inString = false;
    } else if (code === 34) {
      inString = true;
    } else if (code === 91 /* [ */ || code === 123 /* { */) {
      depth++;
      if (depth > maxDepth) {
        throw new HttpError(422, [
          {
            type: 'json_too_deep',
            loc: ['body'],
            msg: `JSON nested deeper than ${maxDepth} levels`,
          },
        ]);
      }
    } else if (code === 93 /* ] */ || code === 125 /* } */) {
      depth--;
    }
  }
}

/**
 * PostgreSQL text cannot hold NUL: refuse it up front as a 422 rather than fail in the driver.
 * Walks the value with an explicit stack (no recursion), strings, keys and all.
 */
export function rejectNul(location: string, input: unknown): void {
  const found: FieldError[] = [];
  const pending: [unknown, (string | number)[]][] = [[input, [location]]];
  while (pending.length > 0) {
    const [value, loc] = pending.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) {
        found.push({ type: 'string_nul', loc, msg: 'Input should not contain NUL characters' });
      }
    } else if (Array.isArray(value)) {
      for (let index = value.length - 1; index >= 0; index--) {
        pending.push([value[index], [...loc, index]]);
      }
    } else if (value !== null && typeof value === 'object') {
      const entries = Object.entries(value);
      for (let index = entries.length - 1; index >= 0; index--) {
        const [key, item] = entries[index]!;
        pending.push([item, [...loc, key]]);
        if (key.includes('\u0000')) pending.push([key, [...loc, key]]);
      }
    }
  }
  if (found.length > 0) throw new HttpError(422, found);
}
