import type { HeaderSource } from './types.js';

/** One request header from either shape a framework holds them in; repeated values joined. */
export function headerOf(headers: HeaderSource, name: string): string | undefined {
  if (typeof headers.get === 'function') return headers.get(name) ?? undefined;
  const value = (headers as Readonly<Record<string, string | readonly string[] | undefined>>)[name];
  return typeof value === 'string' ? value : value?.join(', ');
}

/**
 * True for the bodies the cache stores, by media type (parameters ignored): JSON
 * (`application/json`, `+json`), XML (`application/xml`, `+xml`) and `text/*`, but not an event
 * stream (it never ends) nor JavaScript (a JSONP script depends on a `callback` no key holds).
 * `application/x-ndjson` and office formats such as `…spreadsheetml.sheet` are not text here.
 */
export function isTextual(contentType: string | null | undefined): contentType is string {
  if (!contentType) return false;
  const semicolon = contentType.indexOf(';');
  const type = (semicolon === -1 ? contentType : contentType.slice(0, semicolon))
    .trim()
    .toLowerCase();
  if (type.startsWith('text/')) return type !== 'text/event-stream' && type !== 'text/javascript';
  return (
    type === 'application/json' ||
    type === 'application/xml' ||
    (type.startsWith('application/') && (type.endsWith('+json') || type.endsWith('+xml')))
  );
}

/** True for the statuses whose response is replayed: 2xx with a body to replay. */
export function isCacheableStatus(status: number): boolean {
  // 204 and 205 go out without a body, whatever the handler passed; 206 is a part of one.
  return status >= 200 && status < 300 && status !== 204 && status !== 205 && status !== 206;
}

/** Methods that read: never invalidate. GET and HEAD are cached; OPTIONS and TRACE pass. */
export function isSafeMethod(method: string): boolean {
  return method === 'GET' || method === 'HEAD' || method === 'OPTIONS' || method === 'TRACE';
}

/**
 * Why a response the handler marked must not be stored, or `undefined`: a `Vary` says it
 * depends on a request header no key holds, and the handler's own `Cache-Control` is its
 * decision (the cache neither stores nor overwrites it).
 */
export function handlerOptsOut(header: (name: string) => unknown): boolean {
  const present = (name: string) => {
    const value = header(name);
    return value !== undefined && value !== null && value !== '';
  };
  return present('vary') || present('cache-control') || present('set-cookie');
}

/**
 * Whether a response header added after the cache judged the response (session middleware
 * writes its cookie as the headers go out) keeps the entry out of the store and takes the
 * cache's headers off: a `Set-Cookie` must never be replayed, nor go out marked `public`. A
 * late `Vary` does not: it comes from a hook outside the cache (compression) that runs again
 * on every hit, and the stored body is the one from before that hook.
 */
export function spoilsLate(name: string): boolean {
  return (LATE_SPOILERS as readonly string[]).includes(name.toLowerCase());
}

/** The headers {@link spoilsLate} names, lower case, for adapters that can ask by name. */
export const LATE_SPOILERS = ['set-cookie'] as const;
