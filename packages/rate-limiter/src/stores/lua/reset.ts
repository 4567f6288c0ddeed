import { NOW } from './windows.js';

/**
 * Deletes the caller's state for every algorithm in every window, and its block (layout in
 * windows.ts). KEYS[1] is the base key; ARGV: the period (ms) of each window.
 */
export const RESET = `${NOW}
local base = KEYS[1]
local keys = {base .. ':b'}
for i = 1, #ARGV do
  local p = ARGV[i]
  local period = tonumber(p)
  local start = now - now % period
  local stamp = start
  if period % 1000 == 0 then stamp = start / 1000 end
  if i == 1 then
    keys[#keys + 1] = base .. ':' .. stamp
    keys[#keys + 1] = base .. ':s:' .. start
    keys[#keys + 1] = base .. ':s:' .. (start - period)
    keys[#keys + 1] = base .. ':t'
  else
    keys[#keys + 1] = base .. ':w' .. p .. ':' .. stamp
    keys[#keys + 1] = base .. ':s' .. p .. ':' .. start
    keys[#keys + 1] = base .. ':s' .. p .. ':' .. (start - period)
    keys[#keys + 1] = base .. ':t' .. p
  end
end
return redis.call('DEL', unpack(keys))`;
