import { escapeGlob, literalPrefix } from './glob.js';

/*
 * Refill marks (see CacheStore.mark) are kept per scope, not per key: a pattern names no key,
 * and a store cannot list the keys a pattern would have matched while a load was running.
 * A key's scope is its text up to its first `:` (`alice_posts:`), so `alice_posts:*` and a
 * delete of `alice_posts:page_1:alice` share one; a broader pattern (`*_posts:*`) and `clear`
 * use the global scope, which covers every key. Coarser than a key, never looser: an
 * invalidation may refuse an unrelated refill of its scope (a miss later), never let a stale one in.
 */

/** The scope every invalidation that names no single scope (a broad pattern, `clear`) records. */
export const GLOBAL_SCOPE = '*';

/** The scope of a key: its text through the first `:`, or the whole key. */
export function keyScope(key: string): string {
  const colon = key.indexOf(':');
  return colon === -1 ? `=${key}` : `:${key.slice(0, colon + 1)}`;
}

/** The scope a pattern invalidates: its literal first segment's, else the global one. */
export function patternScope(pattern: string): string {
  const { prefix } = literalPrefix(pattern);
  const colon = prefix.indexOf(':');
  if (colon !== -1) return `:${prefix.slice(0, colon + 1)}`;
  // No `:` in the literal part: an exact key without one (`alice`), or a broad `ali*`.
  return escapeGlob(prefix) === pattern ? `=${prefix}` : GLOBAL_SCOPE;
}

/** The scope of a tag. */
export function tagScope(tag: string): string {
  return `#${tag}`;
}

/** Every scope a refill of `key` filed under `tags` must find untouched since its mark. */
export function scopesOf(key: string, tags: readonly string[]): string[] {
  return [GLOBAL_SCOPE, keyScope(key), ...tags.map(tagScope)];
}
