import { ARGS, BLOCK_START, blockCheck, NOW } from './windows.js';

/**
 * Sliding windows, several at once (layout in windows.ts; KEYS[1] is the base key), each as in
 * sliding-window.ts and `slidingWindow` in memory-algorithms.ts, operation for operation.
 * Replies `{allowed, remaining, resetAt, retryAfterMs, window, now}`.
 */
export const SLIDING_WINDOWS = `${NOW}
${ARGS}
local base = KEYS[1]
${blockCheck('', (reply) => reply)}
-- Each argument parsed once: every tonumber() showed in the bench.
local keys, starts, limits, periods = {}, {}, {}, {}
for i = 1, n do
  local p = ARGV[3 + 2 * i]
  local period = tonumber(p)
  limits[i], periods[i] = tonumber(ARGV[2 + 2 * i]), period
  local start = now - now % period
  local prefix = ':s:'
  if i > 1 then prefix = ':s' .. p .. ':' end
  keys[2 * i - 1] = base .. prefix .. start
  keys[2 * i] = base .. prefix .. (start - period)
  starts[i] = start
end
local counts = redis.call('MGET', unpack(keys))
local w, wait, rem = 0, -1, 0
local b, best = 0, nil
for i = 1, n do
  local limit, period, start = limits[i], periods[i], starts[i]
  local current = tonumber(counts[2 * i - 1] or '0')
  local previous = tonumber(counts[2 * i] or '0')
  local used = previous * (period - (now - start)) / period + current
  if used + cost > limit + 1e-9 then
    local room = limit - current - cost
    local retry_at
    if room >= 0 and previous > 0 then
      retry_at = start + math.min(period, math.ceil(period * (1 - room / previous)))
    else
      local next_room = limit - cost
      if next_room < 0 then
        retry_at = start + 2 * period
      elseif current == 0 then
        retry_at = start + period
      else
        retry_at = start + period + math.ceil(period * (1 - next_room / current))
      end
    end
    if retry_at - now > wait then
      w, wait, rem = i, retry_at - now, math.max(0, math.floor(limit - used + 1e-9))
    end
  else
    local r
    if dry then r = math.floor(limit - used + 1e-9)
    else r = math.max(0, math.floor(limit - used - cost + 1e-9)) end
    if best == nil or r < best then b, best = i, r end
  end
end
if w > 0 then
  local reset_at = starts[w] + periods[w]
  ${BLOCK_START}
  return {0, rem, reset_at, wait, w - 1, now}
end
if not dry then
  for i = 1, n do
    local key = keys[2 * i - 1]
    if redis.call('INCRBY', key, cost) == cost then
      redis.call('PEXPIRE', key, starts[i] + 2 * periods[i] - now)
    end
  end
end
return {1, best, starts[b] + periods[b], 0, b - 1, now}`;
