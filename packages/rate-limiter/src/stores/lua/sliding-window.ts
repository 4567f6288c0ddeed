import { PRELUDE } from './prelude.js';

/**
 * Sliding window: `used = previous * (1 - elapsed / period) + current`, counters in
 * `<base>:s:<window_start_ms>`, each kept for two periods. Mirrors `slidingWindow` in
 * memory-algorithms.ts operation for operation, so both stores give the same numbers.
 */
export const SLIDING_WINDOW = `${PRELUDE}
local cur_key = KEYS[1] .. ':s:' .. string.format('%d', start)
local counts = redis.call('MGET', cur_key, KEYS[1] .. ':s:' .. string.format('%d', start - period))
local current = tonumber(counts[1] or '0')
local previous = tonumber(counts[2] or '0')
local used = previous * (period - (now - start)) / period + current
local reset_at = start + period
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
  return {0, math.max(0, math.floor(limit - used + 1e-9)), reset_at, retry_at - now, now}
end
if dry then return {1, math.floor(limit - used + 1e-9), reset_at, 0, now} end
if redis.call('INCRBY', cur_key, cost) == cost then
  redis.call('PEXPIRE', cur_key, start + 2 * period - now)
end
return {1, math.max(0, math.floor(limit - used - cost + 1e-9)), reset_at, 0, now}
`;
