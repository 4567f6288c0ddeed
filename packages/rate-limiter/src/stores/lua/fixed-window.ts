/**
 * Fixed window aligned to the epoch, so every process agrees on it: key
 * `<base>:<window_start>` (seconds when the period is whole seconds).
 *
 * The client names the window ITS clock is in (KEYS[1]), so the common case is one INCR. Redis's
 * clock still decides: a window key is only created after `TIME` confirmed Redis is in that
 * window, and it expires the millisecond before the window ends, so while it exists Redis is
 * inside its window. (A key made in that very last millisecond lives 1 ms into the next
 * window: Redis deletes at once a key given an expiry of "now".) A new key (first hit of a window,
 * or a client clock off across a boundary) takes the slow path: `TIME`, and Redis's own window
 * key if the client's was wrong. Both keys share the base and so its hash tag: one Cluster slot.
 *
 * ARGV: limit, period (ms), cost (left out when 1: one argument less to send and parse).
 * Replies: the count when allowed in the window KEYS[1] names; otherwise
 * `{allowed, remaining, resetAt, retryAfterMs, now}`. INCR first so an admitted request is one
 * write; a denial gives its cost back, so a too-costly request does not use up the window.
 */
export const FIXED_WINDOW = `
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local cost = 1
local count
if ARGV[3] then
  cost = tonumber(ARGV[3])
  count = redis.call('INCRBY', key, cost)
else
  count = redis.call('INCR', key)
end
if count > cost and count <= limit then return count end
${slowPath(false)}
if count == nil then count = redis.call('INCRBY', key, cost) end
if count > limit then
  if count == cost then redis.call('DEL', key) else redis.call('DECRBY', key, cost) end
  return {0, math.max(0, limit - count + cost), reset_at, reset_at - now, now}
end
-- Relative, at least 1 ms: Redis deletes at once a key whose PEXPIREAT is already past by ITS
-- clock, which moves on while the script runs, and later first hits in this window would each
-- find no key and be admitted. (So in a window's last ms the key lives to the boundary.)
if count == cost then redis.call('PEXPIRE', key, math.max(reset_at - 1 - now, 1)) end
if key == KEYS[1] then return count end
return {1, limit - count, reset_at, 0, now}
`;

/** `peek` of the fixed window: what the script above would answer, counting nothing. */
export const FIXED_WINDOW_PEEK = `
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local cost = tonumber(ARGV[3] or '1')
local count
${slowPath(true)}
local used = tonumber(redis.call('GET', key) or '0')
if used + cost > limit then return {0, math.max(0, limit - used), reset_at, reset_at - now, now} end
return {1, limit - used, reset_at, 0, now}
`;

/**
 * Redis's time and window; when the client's window (the stamp KEYS[1] ends with) is not Redis's,
 * takes back what was counted under it and switches `key` to Redis's window.
 */
function slowPath(dry: boolean): string {
  return `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local period = tonumber(ARGV[2])
local start = now - now % period
local reset_at = start + period
local stamp = start
if period % 1000 == 0 then stamp = start / 1000 end
stamp = string.format('%d', stamp)
local base, guess = string.match(key, '^(.*:)(%d+)$')
if guess ~= stamp then${
    dry
      ? ''
      : `
  if count == cost then redis.call('DEL', key) else redis.call('DECRBY', key, cost) end
  count = nil`
  }
  key = base .. stamp
end`;
}
