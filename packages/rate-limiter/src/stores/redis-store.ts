import {
  coalesceWrites,
  isNoScript,
  type LuaScript,
  luaScript,
  redisReadiness,
  runLua,
} from '@kit/internal';
import type { Cluster, Redis } from 'ioredis';
import { invalidOption } from '../errors.js';
import type { AdjustRequest, RateLimitStore, StoreRequest, StoreResult } from '../types.js';
import { SHAPED_AFTER_USES } from './fixed-window-shapes.js';
import { ADJUST_FIXED_WINDOW, ADJUST_SLIDING_WINDOW, ADJUST_TOKEN_BUCKET } from './lua/adjust.js';
import { FIXED_WINDOW, FIXED_WINDOW_PEEK } from './lua/fixed-window.js';
import { RESET } from './lua/reset.js';
import { SLIDING_WINDOW } from './lua/sliding-window.js';
import { TOKEN_BUCKET } from './lua/token-bucket.js';
import { replyToResult } from './redis-reply.js';
import { createWindowsCheck, type SendLua } from './redis-windows.js';

const FIXED_WINDOW_SCRIPT = luaScript(FIXED_WINDOW);
const SLIDING_WINDOW_SCRIPT = luaScript(SLIDING_WINDOW);
const TOKEN_BUCKET_SCRIPT = luaScript(TOKEN_BUCKET);
const FIXED_WINDOW_PEEK_SCRIPT = luaScript(FIXED_WINDOW_PEEK);
const RESET_SCRIPT = luaScript(RESET);
const ADJUST_SCRIPTS = {
  'fixed-window': luaScript(ADJUST_FIXED_WINDOW),
  'sliding-window': luaScript(ADJUST_SLIDING_WINDOW),
  'token-bucket': luaScript(ADJUST_TOKEN_BUCKET),
} as const;

const toResult = replyToResult;

const unknownAlgorithm = (algorithm: unknown) =>
  invalidOption('algorithm', 'is unknown', { value: algorithm, scope: 'redis' });

/**
 * The Redis store behind `redisStore`. `clock` only GUESSES the fixed window's key (Redis's
 * `TIME` decides, see lua/fixed-window.ts); tests pass a skewed clock to prove that. A rule of
 * one window without a block runs its algorithm's own script; anything else one script of
 * several windows (redis-windows.ts). Either way: one EVALSHA per check.
 */
export function createRedisStore(
  client: Redis | Cluster,
  clock: () => number,
  // Tests lower it to run the store suite through the rule-shaped scripts.
  shapeAfterUses = SHAPED_AFTER_USES,
): RateLimitStore {
  const readiness = redisReadiness(client);
  const beforeSend = coalesceWrites(client);
  // Every script sent by name goes through here, so each joins its tick's one socket write.
  const lua: SendLua = (s, keys, args) => {
    beforeSend();
    return runLua(client, s, keys, args);
  };
  const run = (s: LuaScript, key: string, args: (string | number)[]) =>
    lua(s, [key], args).then(toResult);
  const windows = createWindowsCheck(client, clock, beforeSend, lua, shapeAfterUses);

  // The window key suffix of the last window seen, so most checks skip a number-to-string.
  let suffixStart = -1;
  let suffixPeriod = -1;
  let suffix = '';

  function fixedWindow(req: StoreRequest, dry: boolean): Promise<StoreResult> {
    const { limit, periodMs } = req.windows[0]!;
    const now = clock();
    const start = now - (now % periodMs);
    if (start !== suffixStart || periodMs !== suffixPeriod) {
      suffixStart = start;
      suffixPeriod = periodMs;
      suffix = `:${periodMs % 1000 === 0 ? start / 1000 : start}`;
    }
    const resetAt = start + periodMs;
    // A bare count means "allowed, in the window the key names" (as of this clock reading).
    const answer = (reply: unknown): StoreResult =>
      typeof reply === 'number'
        ? { allowed: true, remaining: limit - reply, resetAt, retryAfterMs: 0, window: 0, at: now }
        : toResult(reply);
    const s = dry ? FIXED_WINDOW_PEEK_SCRIPT : FIXED_WINDOW_SCRIPT;
    const key = req.key + suffix;
    const { cost } = req;
    beforeSend();
    // Cost 1, by far the most common, is left out: one argument less to send and parse. The
    // arguments are spelled out rather than spread from an array: this is the hot path.
    const sent =
      cost === 1
        ? client.evalsha(s.sha, 1, key, limit, periodMs)
        : client.evalsha(s.sha, 1, key, limit, periodMs, cost);
    return sent.then(answer, (error) => {
      if (!isNoScript(error)) throw error;
      return client.eval(s.source, 1, key, limit, periodMs, cost).then(answer);
    });
  }

  function call(req: StoreRequest, dry: boolean): Promise<StoreResult> {
    if (req.windows.length !== 1 || req.blockMs !== 0) return windows(req, dry);
    const { limit, periodMs } = req.windows[0]!;
    switch (req.algorithm) {
      case 'fixed-window':
        return fixedWindow(req, dry);
      // Needs Redis's TIME for its weights anyway; naming its two keys here measured no cheaper.
      case 'sliding-window':
        return run(SLIDING_WINDOW_SCRIPT, req.key, [limit, periodMs, req.cost, dry ? '1' : '0']);
      case 'token-bucket':
        return run(TOKEN_BUCKET_SCRIPT, `${req.key}:t`, [
          limit,
          periodMs,
          req.cost,
          dry ? '1' : '0',
        ]);
      default:
        return Promise.reject(unknownAlgorithm(req.algorithm));
    }
  }

  return {
    consume: (req) => call(req, false),
    peek: (req) => call(req, true),
    async adjust(req: AdjustRequest) {
      const script = ADJUST_SCRIPTS[req.algorithm];
      if (script === undefined) throw unknownAlgorithm(req.algorithm);
      if (!Number.isInteger(req.points)) {
        throw invalidOption('points', 'must be an integer', { value: req.points, scope: 'redis' });
      }
      const args: (string | number)[] = [req.points, req.at ?? ''];
      for (const w of req.windows) args.push(w.limit, w.periodMs);
      await lua(script, [req.key], args);
    },
    async reset({ key, windows }) {
      await lua(
        RESET_SCRIPT,
        [key],
        windows.map((w) => w.periodMs),
      );
    },
    // The shared readiness policy: a client not yet connected is waited on (bounded by
    // storeTimeout); one that lost its connection fails at once instead of queueing.
    isReady: () => readiness() !== 'down',
  };
}
