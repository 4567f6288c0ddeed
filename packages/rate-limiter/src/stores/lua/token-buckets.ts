import { ARGS, BLOCK_START, blockCheck, NOW } from './windows.js';

/**
 * Token buckets, several at once (layout in windows.ts; KEYS[1] is the base key), each as in
 * token-bucket.ts and `tokenBucket` in memory-algorithms.ts. Replies
 * `{allowed, remaining, resetAt, retryAfterMs, window, now}`.
 */
export const TOKEN_BUCKETS = `${NOW}
${ARGS}
local base = KEYS[1]
${blockCheck('', (reply) => reply)}
local keys = {}
for i = 1, n do
  if i == 1 then keys[i] = base .. ':t' else keys[i] = base .. ':t' .. ARGV[3 + 2 * i] end
end
local states = redis.call('MGET', unpack(keys))
local w, wait, rem, reset_at = 0, -1, 0, 0
local b, best, best_reset = 0, nil, 0
-- Each argument parsed once: every tonumber() showed in the bench.
local afters, limits, periods = {}, {}, {}
for i = 1, n do
  local limit = tonumber(ARGV[2 + 2 * i])
  local period = tonumber(ARGV[3 + 2 * i])
  limits[i], periods[i] = limit, period
  local used = 0
  local state = states[i]
  if state then
    local space = string.find(state, ' ', 1, true)
    local at = tonumber(string.sub(state, space + 1))
    used = math.max(0, tonumber(string.sub(state, 1, space - 1)) - (now - at) * limit / period)
  end
  if used + cost > limit + 1e-9 then
    local retry = math.ceil((used + cost - limit) * period / limit)
    if retry > wait then
      w, wait = i, retry
      rem = math.max(0, math.floor(limit - used + 1e-9))
      reset_at = now + math.ceil(used * period / limit)
    end
  else
    local after = used
    if not dry then after = used + cost end
    afters[i] = after
    local r = math.max(0, math.floor(limit - after + 1e-9))
    if best == nil or r < best then
      b, best, best_reset = i, r, now + math.ceil(after * period / limit)
    end
  end
end
if w > 0 then
  ${BLOCK_START}
  return {0, rem, reset_at, wait, w - 1, now}
end
if not dry then
  for i = 1, n do
    local ttl = math.ceil(afters[i] * periods[i] / limits[i])
    redis.call('SET', keys[i], string.format('%.17g %d', afters[i], now), 'PX', math.max(ttl, 1))
  end
end
return {1, best, best_reset, 0, b - 1, now}`;
