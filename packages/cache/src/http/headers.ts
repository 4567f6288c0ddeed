import type { HeaderSource } from './types.js';

/** One request header from either shape a framework holds them in; repeated values joined. */
export function headerOf(headers: HeaderSource, name: string): string | undefined {
  if (typeof headers.get === 'function') return headers.get(name) ?? undefined;
  const value = (headers as Readonly<Record<string, string | readonly string[] | undefined>>)[name];
  return typeof value === 'string' ? value : value?.join(', ');
}

/**
 * True for the bodies the cache stores: JSON (`application/json`, `+json`), XML, and text
 * other than an event stream. A stream must reach the client untouched: reading it to the end
 * to cache it could wait forever.
 */
export function isTextual(contentType: string | null | undefined): contentType is string {
  if (!contentType) return false;
  const type = contentType.toLowerCase();
  return (
    type.includes('json') ||
    type.includes('xml') ||
    (type.startsWith('text/') && !type.startsWith('text/event-stream'))
  );
}

/** True for the statuses whose response is replayed: 2xx with a body to replay. */
export function isCacheableStatus(status: number): boolean {
  // 204 and 205 go out without a body, whatever the handler passed; 206 is a part of one.
  return status >= 200 && status < 300 && status !== 204 && status !== 205 && status !== 206;
}
