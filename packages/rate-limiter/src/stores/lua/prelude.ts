/**
 * Shared head of every script: Redis server time in ms (never the app server's clock) and the
 * arguments. Scripts answer `{allowed, remaining, resetAt, retryAfterMs, now}` as integers.
 * KEYS[1] is the caller's base key, e.g. `ratelimit:{u:42:api_v1_tasks}` (the token bucket's is
 * `<base>:t`, its only key); every key a script touches starts with the base, so the hash tag
 * keeps them in one Cluster slot.
 */
export const PRELUDE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local dry = ARGV[4] == '1'
local start = now - now % period
`;
