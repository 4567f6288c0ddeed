import { BLOCK_START, blockCheck, NOW } from './windows.js';

// Counts in the windows the client named; on any doubt gives back what it counted so far.
// The cost as sent, a string: Redis would otherwise format the number again for every call.
const FAST_PATH = `local counts, done = {}, 0
for i = 1, n do
  local c = redis.call('INCRBY', KEYS[i], cost_arg)
  counts[i] = c
  if c <= cost or c > tonumber(ARGV[i]) then
    done = i
    break
  end
end
if done == 0 then return counts end
for i = 1, done do
  if counts[i] == cost then redis.call('DEL', KEYS[i]) else redis.call('DECRBY', KEYS[i], cost_arg) end
end`;

/**
 * Fixed windows, several at once (layout in windows.ts). As in fixed-window.ts, the client names
 * each window's key by ITS clock (KEYS[1..n]) and the common case is one INCRBY per window and
 * no TIME: a key that already existed proves Redis is in its window. Any new key, or any window
 * over its limit, takes the slow path: what was counted is given back, and Redis's clock
 * decides on Redis's own keys, counting in all windows or none.
 *
 * ARGV is packed for this hot path, every argument costing on both ends: each window's limit,
 * the periods joined by commas (read only on the slow path), then cost and blockMs, both left
 * out when 1 and 0. The base key is KEYS[1] less its stamp.
 * Replies: the counts `{c1, ..., cn}` when allowed in the windows the keys name; otherwise
 * `{{allowed, remaining, resetAt, retryAfterMs, window, now}}` (nested, so the two differ).
 */
export const FIXED_WINDOWS: string = script(false);

/** `peek` of the fixed windows: what the script above would answer, counting nothing. */
export const FIXED_WINDOWS_PEEK: string = script(true);

function script(dry: boolean): string {
  return `local n = #KEYS
-- Every tonumber() showed in the bench: none for the defaults.
local cost_arg, cost, block = '1', 1, 0
if ARGV[n + 2] then
  cost_arg = ARGV[n + 2]
  cost, block = tonumber(cost_arg), tonumber(ARGV[n + 3])
end
local dry = ${dry}
local base
if block > 0 then base = string.match(KEYS[1], '^(.*):%d+$') end
${blockCheck(NOW, (reply) => `{${reply}}`)}
${dry ? '' : FAST_PATH}
${NOW}
base = base or string.match(KEYS[1], '^(.*):%d+$')
local keys, resets, limits = {}, {}, {}
local i = 0
for p in string.gmatch(ARGV[n + 1], '%d+') do
  i = i + 1
  local period = tonumber(p)
  local start = now - now % period
  local stamp = start
  if period % 1000 == 0 then stamp = start / 1000 end
  if i == 1 then keys[i] = base .. ':' .. stamp else keys[i] = base .. ':w' .. p .. ':' .. stamp end
  resets[i] = start + period
  limits[i] = tonumber(ARGV[i])
end
local used = redis.call('MGET', unpack(keys))
local w, wait, rem = 0, -1, 0
for i = 1, n do
  local u = tonumber(used[i] or '0')
  if u + cost > limits[i] and resets[i] - now > wait then
    w, wait, rem = i, resets[i] - now, math.max(0, limits[i] - u)
  end
  used[i] = u
end
if w > 0 then
  local reset_at = resets[w]
  ${BLOCK_START}
  return {{0, rem, reset_at, wait, w - 1, now}}
end
local spend = cost
if dry then spend = 0 end
rem = nil
for i = 1, n do
  local r = limits[i] - used[i] - spend
  if rem == nil or r < rem then w, rem = i, r end
  -- At least 1 ms, and 1 ms short of the window's end: see fixed-window.ts.
  if not dry and redis.call('INCRBY', keys[i], cost) == cost then
    redis.call('PEXPIRE', keys[i], math.max(resets[i] - 1 - now, 1))
  end
end
return {{1, rem, resets[w], 0, w - 1, now}}`;
}
