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

interface Layout {
  /** Lua for the number of windows. */
  n: string;
  /** ARGV index of the cost (blockMs follows). */
  costAt: number | string;
  /** Lua for the table of limits. */
  limits: string;
  /** Lua for the comma-separated periods. */
  periods: string;
  /** The fast path: returns when allowed in the windows the client named. */
  fast: string;
}

const ARGV_LAYOUT: Layout = {
  n: '#KEYS',
  costAt: 'n + 2',
  limits: '{}',
  periods: 'ARGV[n + 1]',
  fast: FAST_PATH,
};

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

/**
 * Windows per script generated for one rule's shape at most, and limits at most so large that the
 * fast path's packed reply (`remaining * 64 + window`) stays an exact integer.
 */
export const SHAPED_MAX_WINDOWS = 64;
export const SHAPED_MAX_LIMIT = 2 ** 40;

/**
 * The fixed windows script for one rule's limits and periods, written into it: the fast path is
 * unrolled (one INCRBY per window, no loop, no table, no argument to convert) and answers one
 * integer, `remaining * 64 + window` of the tightest window, so a check of three windows sends
 * and parses no more than a check of one. ARGV is only cost and blockMs, left out when 1 and 0.
 * The slow path and the other replies are those of `FIXED_WINDOWS`.
 */
export function shapedFixedWindows(
  limits: readonly number[],
  periodsMs: readonly number[],
): string {
  for (const value of [...limits, ...periodsMs]) {
    // Source text: digits only, whatever the caller checked.
    if (!/^\d+$/.test(String(value))) throw new TypeError(`not a whole number: ${String(value)}`);
  }
  const n = limits.length;
  // Nested, one level per window, unindented: the source stays linear in the windows.
  let fast = '';
  let close = '';
  for (let i = 1; i <= n; i++) {
    fast += `local c${i} = redis.call('INCRBY', KEYS[${i}], cost_arg)\n`;
    fast += `if c${i} > cost and c${i} <= ${limits[i - 1]} then\n`;
    close = `end\nif c${i} == cost then redis.call('DEL', KEYS[${i}]) else redis.call('DECRBY', KEYS[${i}], cost_arg) end\n${close}`;
  }
  fast += `local r, w = ${limits[0]} - c1, 0\n`;
  for (let i = 2; i <= n; i++) {
    fast += `if ${limits[i - 1]} - c${i} < r then r, w = ${limits[i - 1]} - c${i}, ${i - 1} end\n`;
  }
  fast += `return r * 64 + w\n${close}`;
  return script(false, {
    n: String(n),
    costAt: 1,
    limits: `{${limits.join(', ')}}`,
    periods: `'${periodsMs.join(',')}'`,
    fast,
  });
}

function script(dry: boolean, layout: Layout = ARGV_LAYOUT): string {
  const costAt = layout.costAt;
  const blockAt = typeof costAt === 'number' ? costAt + 1 : 'n + 3';
  const fromArgv = layout === ARGV_LAYOUT;
  return `local n = ${layout.n}
-- Every tonumber() showed in the bench: none for the defaults.
local cost_arg, cost, block = '1', 1, 0
if ARGV[${costAt}] then
  cost_arg = ARGV[${costAt}]
  cost, block = tonumber(cost_arg), tonumber(ARGV[${blockAt}])
end
local dry = ${dry}
local base
if block > 0 then base = string.match(KEYS[1], '^(.*):%d+$') end
${blockCheck(NOW, (reply) => `{${reply}}`)}
${dry ? '' : layout.fast}
${NOW}
base = base or string.match(KEYS[1], '^(.*):%d+$')
local keys, resets, limits = {}, {}, ${layout.limits}
local i = 0
for p in string.gmatch(${layout.periods}, '%d+') do
  i = i + 1
  local period = tonumber(p)
  local start = now - now % period
  local stamp = start
  if period % 1000 == 0 then stamp = start / 1000 end
  if i == 1 then keys[i] = base .. ':' .. stamp else keys[i] = base .. ':w' .. p .. ':' .. stamp end
  resets[i] = start + period${fromArgv ? '\n  limits[i] = tonumber(ARGV[i])' : ''}
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
