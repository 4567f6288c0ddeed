/**
 * Pieces shared by the scripts of several windows and blocks (a rule with more than one window,
 * or any `blockMs`; a single window without a block keeps the scripts of its algorithm's own
 * file, the benchmarked path).
 *
 * Key layout, `<base>` being the request's key with its hash tag (so all of one caller's keys
 * share a Cluster slot); window 1 is laid out exactly as a single-window rule of its period, so
 * adding a window to a rule keeps the counts of its first; the others carry their period,
 * because two periods can share a window start:
 *
 * | state                   | window 1                    | window i > 1                         |
 * | ----------------------- | --------------------------- | ------------------------------------ |
 * | fixed window, count     | `<base>:<stamp>`            | `<base>:w<periodMs>:<stamp>`         |
 * | sliding window, counter | `<base>:s:<window start ms>`| `<base>:s<periodMs>:<window start ms>`|
 * | token bucket            | `<base>:t`                  | `<base>:t<periodMs>`                 |
 * | block (whole key)       | `<base>:b` = index of the window that refused, PX = block time   |
 *
 * `<stamp>` is the window start in seconds when the period is whole seconds, else in ms. Every
 * key has a TTL: a count expires with its window, a counter after two periods, a bucket when
 * full again, a block when it ends.
 *
 * ARGV of the sliding window and token bucket scripts: cost, dry ('1' = peek), blockMs, then
 * limit and period (ms, an integer) of each window; the fixed windows pack theirs (see there). Numbers are joined to keys with `..`: Lua 5.1 prints numbers with
 * `%.14g`, exact for epoch milliseconds, and cheaper than string.format.
 */

/** Redis's clock in ms: `now`. */
export const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** Arguments every window script reads; `base` is the caller's key. */
export const ARGS = `local cost = tonumber(ARGV[1])
local dry = ARGV[2] == '1'
local block = tonumber(ARGV[3])
local n = (#ARGV - 3) / 2`;

/**
 * While `<base>:b` exists, answers with its time left and the window it names, counting
 * nothing. `clock` reads `now` if the script has not yet; `wrap` shapes the reply. Expects
 * `base` and `block`.
 */
export function blockCheck(clock: string, wrap: (reply: string) => string): string {
  return `if block > 0 then
  local left = redis.call('PTTL', base .. ':b')
  if left > 0 then
    ${clock}
    return ${wrap("{0, 0, now + left, left, tonumber(redis.call('GET', base .. ':b')), now}")}
  end
end`;
}

/**
 * After a refused consume: blocks the key (there is none, blockCheck ran first) and reports the
 * later of the block's end and the refusing window's own wait. Expects `w`, `wait`, `reset_at`.
 */
export const BLOCK_START = `if block > 0 and not dry then
  redis.call('SET', base .. ':b', w - 1, 'PX', block)
  if block > wait then wait = block end
  if now + block > reset_at then reset_at = now + block end
end`;
