import { type LuaScript, luaScript, runLua } from '@kit/internal';
import type { Cluster, Redis } from 'ioredis';
import { invalidOption } from '../errors.js';
import type { StoreRequest, StoreResult } from '../types.js';
import { FIXED_WINDOWS, FIXED_WINDOWS_PEEK } from './lua/fixed-windows.js';
import { SLIDING_WINDOWS } from './lua/sliding-windows.js';
import { TOKEN_BUCKETS } from './lua/token-buckets.js';

const FIXED = luaScript(FIXED_WINDOWS);
const FIXED_PEEK = luaScript(FIXED_WINDOWS_PEEK);
const SLIDING = luaScript(SLIDING_WINDOWS);
const TOKEN = luaScript(TOKEN_BUCKETS);

type Reply = [number, number, number, number, number, number];

const toResult = (reply: unknown): StoreResult => {
  const r = reply as Reply;
  return {
    allowed: r[0] === 1,
    remaining: r[1],
    resetAt: r[2],
    retryAfterMs: r[3],
    window: r[4],
    at: r[5],
  };
};

/**
 * Checks of several windows, or of any window with a block: one script per algorithm
 * (lua/fixed-windows.ts and its neighbours; key layout in lua/windows.ts), one EVALSHA a check.
 * `clock` names the fixed windows' keys, as for a single window.
 */
export function createWindowsCheck(
  client: Redis | Cluster,
  clock: () => number,
): (req: StoreRequest, dry: boolean) => Promise<StoreResult> {
  // Per period (negated past window 1, whose keys differ): the last window start seen and its
  // key suffix, so most checks make no number-to-string.
  const suffixes = new Map<number, { start: number; suffix: string }>();
  const suffixOf = (index: number, periodMs: number, start: number): string => {
    const id = index === 0 ? periodMs : -periodMs;
    let entry = suffixes.get(id);
    if (entry === undefined || entry.start !== start) {
      const stamp = periodMs % 1000 === 0 ? start / 1000 : start;
      entry = { start, suffix: index === 0 ? `:${stamp}` : `:w${periodMs}:${stamp}` };
      suffixes.set(id, entry);
    }
    return entry.suffix;
  };

  function fixed(req: StoreRequest, args: (string | number)[], dry: boolean) {
    const { windows } = req;
    const now = clock();
    const keys: string[] = [];
    for (let i = 0; i < windows.length; i++) {
      const { periodMs } = windows[i]!;
      keys.push(req.key + suffixOf(i, periodMs, now - (now % periodMs)));
    }
    keys.push(req.key);
    return runLua(client, dry ? FIXED_PEEK : FIXED, keys, args).then((reply): StoreResult => {
      const counts = reply as unknown[];
      if (Array.isArray(counts[0])) return toResult(counts[0]);
      // Bare counts: allowed in the windows this clock reading named.
      let best = 0;
      let remaining = Number.POSITIVE_INFINITY;
      for (let i = 0; i < windows.length; i++) {
        const left = windows[i]!.limit - (counts[i] as number);
        if (left < remaining) {
          remaining = left;
          best = i;
        }
      }
      const { periodMs } = windows[best]!;
      const resetAt = now - (now % periodMs) + periodMs;
      return { allowed: true, remaining, resetAt, retryAfterMs: 0, window: best, at: now };
    });
  }

  return (req, dry) => {
    const args: (string | number)[] = [req.cost, dry ? '1' : '0', req.blockMs];
    for (const w of req.windows) args.push(w.limit, w.periodMs);
    let script: LuaScript;
    switch (req.algorithm) {
      case 'fixed-window':
        return fixed(req, args, dry);
      case 'sliding-window':
        script = SLIDING;
        break;
      case 'token-bucket':
        script = TOKEN;
        break;
      default:
        return Promise.reject(
          invalidOption('algorithm', 'is unknown', { value: req.algorithm, scope: 'redis' }),
        );
    }
    return runLua(client, script, [req.key], args).then(toResult);
  };
}
