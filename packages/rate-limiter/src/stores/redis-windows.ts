import { isNoScript, type LuaScript, luaScript } from '@kit/internal';
import type { Cluster, Redis } from 'ioredis';
import { invalidOption } from '../errors.js';
import type { StoreRequest, StoreResult, StoreWindow } from '../types.js';
import {
  FIXED_WINDOWS,
  FIXED_WINDOWS_PEEK,
  SHAPED_MAX_LIMIT,
  SHAPED_MAX_WINDOWS,
  shapedFixedWindows,
} from './lua/fixed-windows.js';
import { SLIDING_WINDOWS } from './lua/sliding-windows.js';
import { TOKEN_BUCKETS } from './lua/token-buckets.js';
import { replyToResult } from './redis-reply.js';

const FIXED = luaScript(FIXED_WINDOWS);
const FIXED_PEEK = luaScript(FIXED_WINDOWS_PEEK);
const SLIDING = luaScript(SLIDING_WINDOWS);
const TOKEN = luaScript(TOKEN_BUCKETS);

interface FixedShape {
  periods: string;
  limits: string[];
  starts: number[];
  suffixes: string[];
  /** The script written for these limits and periods; `undefined`: the generic one. */
  shaped: LuaScript | undefined;
}

/**
 * Scripts written for a rule's shape, per store. Rules come from configuration or from a tier
 * table, so a store sees a handful; past this many (a `resolveRule` inventing limits per
 * request, say) the generic script serves, and Redis's script cache stays small.
 */
const SHAPED_SCRIPTS_MAX = 256;

const toResult = replyToResult;

/** Allowed in the windows named by the clock reading `now`: `best` has `remaining` left. */
function allowedIn(
  windows: readonly StoreWindow[],
  now: number,
  remaining: number,
  best: number,
): StoreResult {
  const { periodMs } = windows[best]!;
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
 * Fixed windows consume through a script written for the rule's limits and periods
 * (`shapedFixedWindows`) while the store has room for one more. `clock` names the fixed
 * windows' keys, as for a single window.
 */
export function createWindowsCheck(
  client: Redis | Cluster,
  clock: () => number,
  beforeSend: () => void,
  lua: SendLua,
): (req: StoreRequest, dry: boolean) => Promise<StoreResult> {
  // What a rule's windows send, worked out once per windows array (the limiter keeps one per
  // rule): the packed arguments and, per window, the last window start seen and its key suffix.
  const shapes = new WeakMap<readonly StoreWindow[], FixedShape>();
  const shapedScripts = new Map<string, LuaScript>();
  const shapedFor = (windows: readonly StoreWindow[]): LuaScript | undefined => {
    // Written into Lua source: integers only (a store called from JavaScript may be handed
    // anything), so nothing but digits ever reaches the script's text.
    const fits =
      windows.length <= SHAPED_MAX_WINDOWS &&
      windows.every(
        (w) =>
          Number.isSafeInteger(w.limit) &&
          w.limit >= 0 &&
          w.limit <= SHAPED_MAX_LIMIT &&
          Number.isSafeInteger(w.periodMs) &&
          w.periodMs > 0,
      );
    if (!fits) return undefined;
    const name = windows.map((w) => `${w.limit}/${w.periodMs}`).join(',');
    let script = shapedScripts.get(name);
    if (script === undefined && shapedScripts.size < SHAPED_SCRIPTS_MAX) {
      const limits = windows.map((w) => w.limit);
      script = luaScript(
        shapedFixedWindows(
          limits,
          windows.map((w) => w.periodMs),
        ),
      );
      shapedScripts.set(name, script);
    }
    return script;
  };
  const shapeOf = (windows: readonly StoreWindow[]): FixedShape => {
    let shape = shapes.get(windows);
    if (shape === undefined) {
      shape = {
        periods: windows.map((w) => w.periodMs).join(','),
        limits: windows.map((w) => String(w.limit)),
        starts: windows.map(() => -1),
        suffixes: windows.map(() => ''),
        shaped: shapedFor(windows),
      };
      shapes.set(windows, shape);
    }
    return shape;
  };

  function fixed(req: StoreRequest, dry: boolean): Promise<StoreResult> {
    const { windows } = req;
    const shape = shapeOf(windows);
    const now = clock();
    const n = windows.length;
    const argv: (string | number)[] = [];
    for (let i = 0; i < n; i++) {
      const { periodMs } = windows[i]!;
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
      if (typeof reply === 'number')
        return allowedIn(windows, now, Math.floor(reply / 64), reply % 64);
      const counts = reply as unknown[];
      if (Array.isArray(counts[0])) return toResult(counts[0]);
      // Bare counts: allowed in the windows this clock reading named.
      let best = 0;
      let remaining = Number.POSITIVE_INFINITY;
      for (let i = 0; i < n; i++) {
        const left = windows[i]!.limit - (counts[i] as number);
        if (left < remaining) {
          remaining = left;
          best = i;
        }
      }
      return allowedIn(windows, now, remaining, best);
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
