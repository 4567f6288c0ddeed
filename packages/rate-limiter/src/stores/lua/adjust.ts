import { NOW } from './windows.js';

/**
 * `adjust`, one script per algorithm, mirroring memory-adjust.ts (the rules for `at` are
 * documented there). KEYS[1] is the base key (layout in windows.ts); ARGV: points, at (`''`
 * for now), then limit and period (ms) of each window. A counter a penalty creates gets the
 * TTL a consume would have given it; a refund never goes below 0. A fixed window's `at` from a
 * one-window reply is the app server's clock (the one that named the key); a refund whose `at`
 * falls in another window than Redis's current one gives nothing, the safe side.
 */
const HEAD = `${NOW}
local base = KEYS[1]
local points = tonumber(ARGV[1])
local at = tonumber(ARGV[2])
local function add(key, ttl)
  if points > 0 then
    if redis.call('INCRBY', key, points) == points then
      redis.call('PEXPIRE', key, math.max(ttl, 1))
    end
  else
    local v = tonumber(redis.call('GET', key) or '0')
    if v > 0 then redis.call('DECRBY', key, math.min(v, -points)) end
  end
end
for i = 1, (#ARGV - 2) / 2 do
  local p = ARGV[2 + 2 * i]
  local limit = tonumber(ARGV[1 + 2 * i])
  local period = tonumber(p)
  local start = now - now % period`;

export const ADJUST_FIXED_WINDOW = `${HEAD}
  if at == nil or at - at % period == start then
    local stamp = start
    if period % 1000 == 0 then stamp = start / 1000 end
    if i == 1 then add(base .. ':' .. stamp, start + period - 1 - now)
    else add(base .. ':w' .. p .. ':' .. stamp, start + period - 1 - now) end
  end
end`;

export const ADJUST_SLIDING_WINDOW = `${HEAD}
  local target = start
  if at then target = at - at % period end
  if target == start or target == start - period then
    local prefix = ':s:'
    if i > 1 then prefix = ':s' .. p .. ':' end
    add(base .. prefix .. target, target + 2 * period - now)
  end
end`;

export const ADJUST_TOKEN_BUCKET = `${HEAD}
  local delta = points
  local skip = false
  if at then
    local since = math.max(0, now - at)
    if since >= period then skip = true
    elseif points < 0 then delta = math.min(0, points + since * limit / period) end
  end
  if not skip then
    local key = base .. ':t'
    if i > 1 then key = key .. p end
    local used = 0
    local state = redis.call('GET', key)
    if state then
      local space = string.find(state, ' ', 1, true)
      local last = tonumber(string.sub(state, space + 1))
      used = math.max(0, tonumber(string.sub(state, 1, space - 1)) - (now - last) * limit / period)
    end
    local after = math.max(0, used + delta)
    if after > 0 then
      redis.call('SET', key, string.format('%.17g %d', after, now), 'PX',
        math.max(1, math.ceil(after * period / limit)))
    elseif state then
      redis.call('DEL', key)
    end
  end
end`;
