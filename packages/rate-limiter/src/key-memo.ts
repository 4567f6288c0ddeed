/**
 * Store keys per (scope, caller), each built once. A key made by concatenation per check is a
 * fresh string the store's Map must flatten and hash every time (about 180 ns); the memo hands
 * back the same flat string, whose hash V8 keeps. Lookups go by the sanitized path (already the
 * same string each time, see PathMemo) and then by the caller's id, so nothing is concatenated
 * to look a key up. Bounded: emptied when it holds `maxKeys` keys, so a flood of distinct
 * callers costs a rebuild, never memory.
 */
/** A store key, and where an in-process store last kept it (checked before use). */
export interface KeyEntry {
  readonly key: string;
  slot: number;
  /**
   * Until when a user on this key is not warned again of falling back to the default rule:
   * kept here, so the check that applies the default builds no log key and asks no throttle.
   */
  quietUntil: number;
}

type ByCaller = Map<string, KeyEntry>;
type ByPath = { users: ByCaller; ips: ByCaller };

export class KeyMemo {
  private readonly byPath = new Map<string, ByPath>();
  private count = 0;
  private lastPath: string | undefined;
  private lastForPath: ByPath | undefined;

  constructor(
    private readonly head: string,
    private readonly maxKeys = 65_536,
  ) {}

  /** `<head>u:<id>:<path>}` for a user, `<head>ip:<ip>:<path>}` for an anonymous caller. */
  keyOf(user: boolean, id: string, path: string): KeyEntry {
    // A busy route's checks follow one another: its callers are one comparison away, and the
    // path's entry is written down only when the path changes.
    let forPath = this.lastForPath;
    if (path !== this.lastPath || forPath === undefined) {
      forPath = this.byPath.get(path);
      if (forPath === undefined) {
        forPath = { users: new Map(), ips: new Map() };
        this.byPath.set(path, forPath);
      }
      this.lastPath = path;
      this.lastForPath = forPath;
    }
    const map = user ? forPath.users : forPath.ips;
    let entry = map.get(id);
    if (entry !== undefined) return entry;
    entry = {
      key: flat(`${this.head}${user ? 'u' : 'ip'}:${id}:${path}}`),
      slot: -1,
      quietUntil: 0,
    };
    if (++this.count > this.maxKeys) {
      this.byPath.clear();
      this.count = 1;
      forPath = { users: new Map(), ips: new Map() };
      this.byPath.set(path, forPath);
      this.lastForPath = forPath;
      (user ? forPath.users : forPath.ips).set(id, entry);
      return entry;
    }
    map.set(id, entry);
    return entry;
  }
}

// One flat copy, so the memo keeps no rope of the pieces and the store hashes it once.
function flat(key: string): string {
  return JSON.parse(JSON.stringify(key)) as string;
}
