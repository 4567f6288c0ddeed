import { isNoScript, type LuaScript, luaScript } from '@kit/internal';
import type { Cluster, Redis } from 'ioredis';
import { invalidOption } from '../errors.js';
import type { StoreRequest, StoreResult } from '../types.js';
import { createShapeBook } from './fixed-window-shapes.js';
import { FIXED_WINDOWS, FIXED_WINDOWS_PEEK } from './lua/fixed-windows.js';
import { SLIDING_WINDOWS } from './lua/sliding-windows.js';
import { TOKEN_BUCKETS } from './lua/token-buckets.js';
import { replyToResult } from './redis-reply.js';

const FIXED = luaScript(FIXED_WINDOWS);
const FIXED_PEEK = luaScript(FIXED_WINDOWS_PEEK);
const SLIDING = luaScript(SLIDING_WINDOWS);
const TOKEN = luaScript(TOKEN_BUCKETS);

const toResult = replyToResult;

/** Allowed in the windows named by the clock reading `now`: `best` has `remaining` left. */
function allowedIn(
  periods: readonly number[],
  now: number,
  remaining: number,
  best: number,
): StoreResult {
  const periodMs = periods[best]!;
  const resetAt = now - (now % periodMs) + periodMs;
  return { allowed: true, remaining, resetAt, retryAfterMs: 0, window: best, at: now };
}

/** Runs a script by SHA (EVAL after NOSCRIPT) in the store's coalesced writes. */
export type SendLua = (
  script: LuaScript,
  keys: readonly string[],
  args: readonly (string | number)[],
) => Promise<unknown>;

/**
 * Checks of several windows, or of any window with a block: one script per algorithm
 * (lua/fixed-windows.ts and its neighbours; key layout in lua/windows.ts), one EVALSHA a check.
 * Fixed windows of a rule in use consume through a script written for its limits and periods
 * (`shapedFixedWindows`) while the store has room for one more. `clock` names the fixed
 * windows' keys, as for a single window.
 */
export function createWindowsCheck(
  client: Redis | Cluster,
  clock: () => number,
  beforeSend: () => void,
  lua: SendLua,
  shapeAfterUses: number,
): (req: StoreRequest, dry: boolean) => Promise<StoreResult> {
  const shapeOf = createShapeBook(shapeAfterUses);

  function fixed(req: StoreRequest, dry: boolean): Promise<StoreResult> {
    const { windows } = req;
    const shape = shapeOf(windows, dry);
    const { periodValues, limitValues } = shape;
    const now = clock();
    const n = periodValues.length;
    const argv: (string | number)[] = [];
    for (let i = 0; i < n; i++) {
      const periodMs = periodValues[i]!;
      const start = now - (now % periodMs);
      if (shape.starts[i] !== start) {
        const stamp = periodMs % 1000 === 0 ? start / 1000 : start;
        shape.starts[i] = start;
        shape.suffixes[i] = i === 0 ? `:${stamp}` : `:w${periodMs}:${stamp}`;
      }
      argv.push(req.key + shape.suffixes[i]);
    }
    const shaped = dry ? undefined : shape.shaped;
    // The shaped script has the limits and periods written in; the generic one reads them here.
    if (shaped === undefined) argv.push(...shape.limits, shape.periods);
    // Cost 1 and no block, the common case, are left out: two arguments less each way.
    if (req.cost !== 1 || req.blockMs !== 0) argv.push(req.cost, req.blockMs);
    const s = shaped ?? (dry ? FIXED_PEEK : FIXED);
    const answer = (reply: unknown): StoreResult => {
      // The shaped script's fast path: `remaining * 64 + window`, allowed in the windows named.
      if (typeof reply === 'number') {
        return allowedIn(periodValues, now, Math.floor(reply / 64), reply % 64);
      }
      const counts = reply as unknown[];
      if (Array.isArray(counts[0])) return toResult(counts[0]);
      // Bare counts: allowed in the windows this clock reading named.
      let best = 0;
      let remaining = Number.POSITIVE_INFINITY;
      for (let i = 0; i < n; i++) {
        const left = limitValues[i]! - (counts[i] as number);
        if (left < remaining) {
          remaining = left;
          best = i;
        }
      }
      return allowedIn(periodValues, now, remaining, best);
    };
    beforeSend();
    return client.evalsha(s.sha, n, ...argv).then(answer, (error) => {
      if (!isNoScript(error)) throw error;
      return client.eval(s.source, n, ...argv).then(answer);
    });
  }

  return (req, dry) => {
    let script: LuaScript;
    switch (req.algorithm) {
      case 'fixed-window':
        return fixed(req, dry);
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
    const args: (string | number)[] = [req.cost, dry ? '1' : '0', req.blockMs];
    for (const w of req.windows) args.push(w.limit, w.periodMs);
    return lua(script, [req.key], args).then(toResult);
  };
}
