import { isNoScript, type LuaScript, luaScript, redisReadiness, runLua } from '@kit/internal';
import type { Cluster, Redis } from 'ioredis';
import { invalidOption } from '../errors.js';
import type { RateLimitStore, StoreRequest, StoreResult } from '../types.js';
import { FIXED_WINDOW, FIXED_WINDOW_PEEK } from './lua/fixed-window.js';
import { RESET } from './lua/reset.js';
import { SLIDING_WINDOW } from './lua/sliding-window.js';
import { TOKEN_BUCKET } from './lua/token-bucket.js';

const FIXED_WINDOW_SCRIPT = luaScript(FIXED_WINDOW);
const SLIDING_WINDOW_SCRIPT = luaScript(SLIDING_WINDOW);
const TOKEN_BUCKET_SCRIPT = luaScript(TOKEN_BUCKET);
const FIXED_WINDOW_PEEK_SCRIPT = luaScript(FIXED_WINDOW_PEEK);
const RESET_SCRIPT = luaScript(RESET);

type Reply = [number, number, number, number];

const toResult = (reply: unknown): StoreResult => {
  const r = reply as Reply;
  return { allowed: r[0] === 1, remaining: r[1], resetAt: r[2], retryAfterMs: r[3] };
};

/**
 * The Redis store behind `redisStore`. `clock` only GUESSES the fixed window's key (Redis's
 * `TIME` decides, see lua/fixed-window.ts); tests pass a skewed clock to prove that.
 */
export function createRedisStore(client: Redis | Cluster, clock: () => number): RateLimitStore {
  const readiness = redisReadiness(client);
  const run = (s: LuaScript, key: string, args: (string | number)[]) =>
    runLua(client, s, [key], args).then(toResult);

  // The window key suffix of the last window seen, so most checks skip a number-to-string.
  let suffixStart = -1;
  let suffixPeriod = -1;
  let suffix = '';

  function fixedWindow(req: StoreRequest, dry: boolean): Promise<StoreResult> {
    const { limit, periodMs } = req;
    const now = clock();
    const start = now - (now % periodMs);
    if (start !== suffixStart || periodMs !== suffixPeriod) {
      suffixStart = start;
      suffixPeriod = periodMs;
      suffix = `:${periodMs % 1000 === 0 ? start / 1000 : start}`;
    }
    const resetAt = start + periodMs;
    // A bare count means "allowed, in the window the key names".
    const answer = (reply: unknown): StoreResult =>
      typeof reply === 'number'
        ? { allowed: true, remaining: limit - reply, resetAt, retryAfterMs: 0 }
        : toResult(reply);
    const s = dry ? FIXED_WINDOW_PEEK_SCRIPT : FIXED_WINDOW_SCRIPT;
    const key = req.key + suffix;
    const { cost } = req;
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
    switch (req.algorithm) {
      case 'fixed-window':
        return fixedWindow(req, dry);
      // Needs Redis's TIME for its weights anyway; naming its two keys here measured no cheaper.
      case 'sliding-window': {
        const args = [req.limit, req.periodMs, req.cost, dry ? '1' : '0'];
        return run(SLIDING_WINDOW_SCRIPT, req.key, args);
      }
      case 'token-bucket': {
        const args = [req.limit, req.periodMs, req.cost, dry ? '1' : '0'];
        return run(TOKEN_BUCKET_SCRIPT, `${req.key}:t`, args);
      }
      default:
        return Promise.reject(
          invalidOption('algorithm', 'is unknown', { value: req.algorithm, scope: 'redis' }),
        );
    }
  }

  return {
    consume: (req) => call(req, false),
    peek: (req) => call(req, true),
    async reset({ key, periodMs }) {
      await runLua(client, RESET_SCRIPT, [key], [periodMs]);
    },
    // The shared readiness policy: a client not yet connected is waited on (bounded by
    // storeTimeout); one that lost its connection fails at once instead of queueing.
    isReady: () => readiness() !== 'down',
  };
}
