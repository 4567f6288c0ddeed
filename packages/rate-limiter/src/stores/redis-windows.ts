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
  /** The limits and periods, each read once from the rule: everything below is made from these. */
  limitValues: number[];
  periodValues: number[];
  periods: string;
  limits: string[];
  starts: number[];
  suffixes: string[];
  /** Consumes so far, until the shape is written into a script (`SHAPED_AFTER_USES`). */
  uses: number;
  /** The script written for these limits and periods; `undefined`: the generic one. */
  shaped: LuaScript | undefined;
}

/**
 * Scripts written for a rule's shape, at most, per store. Redis keeps every script it has run
 * until SCRIPT FLUSH (7.0) and processes of one app with the same rules load the same scripts,
 * but rules of made-up limits (a quota per customer, say) would each add one: past this many,
 * and for a rule used fewer than `SHAPED_AFTER_USES` times, the generic script serves.
 */
export const SHAPED_SCRIPTS_MAX = 32;

/** Consumes of a rule before it gets a script of its own: only rules in use are written. */
export const SHAPED_AFTER_USES = 100;

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
  shapeAfterUses = SHAPED_AFTER_USES,
): (req: StoreRequest, dry: boolean) => Promise<StoreResult> {
  // What a rule's windows send, worked out once per windows array (the limiter keeps one per
  // rule): the packed arguments and, per window, the last window start seen and its key suffix.
  const shapes = new WeakMap<readonly StoreWindow[], FixedShape>();
  const shapedScripts = new Map<string, LuaScript>();
  const newShape = (windows: readonly StoreWindow[]): FixedShape => {
    const limitValues = windows.map((w) => w.limit);
    const periodValues = windows.map((w) => w.periodMs);
    const shape: FixedShape = {
      limitValues,
      periodValues,
      periods: periodValues.join(','),
      limits: limitValues.map(String),
      starts: windows.map(() => -1),
      suffixes: windows.map(() => ''),
      uses: 0,
      shaped: undefined,
    };
    shapes.set(windows, shape);
    return shape;
  };
  // The array's windows now, against those the shape was made of: a window pushed onto the
  // array, or a limit changed in it, makes a new shape rather than go uncounted.
  const sameShape = (shape: FixedShape, windows: readonly StoreWindow[]): boolean => {
    const n = windows.length;
    if (n !== shape.limitValues.length) return false;
    for (let i = 0; i < n; i++) {
      const w = windows[i]!;
      if (w.limit !== shape.limitValues[i] || w.periodMs !== shape.periodValues[i]) return false;
    }
    return true;
  };
  const shapedFor = (shape: FixedShape): LuaScript | undefined => {
    const { limitValues: limits, periodValues: periods } = shape;
    // Written into Lua source, from the copies the shape holds: integers only (a store called
    // from JavaScript may be handed anything), so nothing but digits reaches the script's text.
    const fits =
      limits.length <= SHAPED_MAX_WINDOWS &&
      limits.every((l) => Number.isSafeInteger(l) && l >= 0 && l <= SHAPED_MAX_LIMIT) &&
      periods.every((p) => Number.isSafeInteger(p) && p > 0);
    if (!fits) return undefined;
    const name = `${limits.join(',')}/${periods.join(',')}`;
    let script = shapedScripts.get(name);
    if (script === undefined && shapedScripts.size < SHAPED_SCRIPTS_MAX) {
      script = luaScript(shapedFixedWindows(limits, periods));
      shapedScripts.set(name, script);
    }
    return script;
  };

  function fixed(req: StoreRequest, dry: boolean): Promise<StoreResult> {
    const { windows } = req;
    let shape = shapes.get(windows);
    if (shape === undefined || !sameShape(shape, windows)) shape = newShape(windows);
    if (!dry && shape.uses < shapeAfterUses && ++shape.uses === shapeAfterUses) {
      shape.shaped = shapedFor(shape);
    }
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
