/** Deletes the caller's current state for every algorithm (ARGV[1] = period in ms). */
export const RESET = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local period = tonumber(ARGV[1])
local start = now - now % period
local stamp = start
if period % 1000 == 0 then stamp = start / 1000 end
return redis.call('DEL', KEYS[1] .. ':' .. string.format('%d', stamp),
  KEYS[1] .. ':s:' .. string.format('%d', start),
  KEYS[1] .. ':s:' .. string.format('%d', start - period),
  KEYS[1] .. ':t')
`;
