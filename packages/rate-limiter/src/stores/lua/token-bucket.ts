import { PRELUDE } from './prelude.js';

/**
 * Token bucket (GCRA-equivalent): KEYS[1] = `<base>:t` holds "<tokens in use> <ms of last update>".
 * Tokens in use are small numbers, so refill math keeps full precision next to epoch times.
 * Mirrors `tokenBucket` in memory-algorithms.ts.
 */
export const TOKEN_BUCKET = `${PRELUDE}
local key = KEYS[1]
local used = 0
local state = redis.call('GET', key)
if state then
  local space = string.find(state, ' ', 1, true)
  local at = tonumber(string.sub(state, space + 1))
  used = math.max(0, tonumber(string.sub(state, 1, space - 1)) - (now - at) * limit / period)
end
if used + cost > limit + 1e-9 then
  return {0, math.max(0, math.floor(limit - used + 1e-9)), now + math.ceil(used * period / limit),
    math.ceil((used + cost - limit) * period / limit), now}
end
local after = used
if not dry then
  after = used + cost
  redis.call('SET', key, string.format('%.17g %d', after, now), 'PX', math.ceil(after * period / limit))
end
return {1, math.max(0, math.floor(limit - after + 1e-9)), now + math.ceil(after * period / limit), 0,
  now}
`;
