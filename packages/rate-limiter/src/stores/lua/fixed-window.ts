import { PRELUDE } from './prelude.js';

/**
 * Fixed window aligned to the epoch, as the original: key `<base>:<window_start>` (seconds when
 * the period is whole seconds). INCRBY first so an admitted request is one write; a denial
 * gives its cost back, so a too-costly request does not use up the window.
 */
export const FIXED_WINDOW = `${PRELUDE}
local stamp = start
if period % 1000 == 0 then stamp = start / 1000 end
local key = KEYS[1] .. ':' .. string.format('%d', stamp)
local reset_at = start + period
if dry then
  local count = tonumber(redis.call('GET', key) or '0')
  if count + cost > limit then return {0, limit - count, reset_at, reset_at - now} end
  return {1, limit - count, reset_at, 0}
end
local count = redis.call('INCRBY', key, cost)
if count > limit then
  if count == cost then redis.call('DEL', key) else redis.call('DECRBY', key, cost) end
  return {0, limit - count + cost, reset_at, reset_at - now}
end
if count == cost then redis.call('PEXPIRE', key, reset_at - now) end
return {1, limit - count, reset_at, 0}
`;
