import { luaScript as script } from '@kit/internal';

/*
 * Index and tag upkeep, shared by both writing scripts. An index (or a tag) is a sorted set of
 * keys scored by when they expire: writes prune members whose key has expired, so members
 * never outlive their keys for long, and the set itself expires with its newest member.
 * Scores use the server's clock, the one PX expires keys by: with the app's clock, an instance
 * running ahead would prune members whose keys still live, and a pattern would miss them.
 */
const INDEX_LOOP = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
for i = FIRST_INDEX, #KEYS do
  local index = KEYS[i]
  redis.call('ZREMRANGEBYSCORE', index, '-inf', now)
  redis.call('ZADD', index, now + ttl, member)
  if redis.call('PTTL', index) < ttl then redis.call('PEXPIRE', index, ttl) end
end`;

/**
 * SET with PX plus index and tag upkeep in one round trip (single Redis), refused when a
 * refill mark is given and an invalidation recorded on one of the marker keys passed it.
 * KEYS: the entry, then `markers` marker keys, then its index and tag sets.
 * ARGV: value, ttl ms, unprefixed key, mark (or -1), number of marker keys.
 * Returns 1 when stored, 0 when refused.
 */
export const SET_INDEXED = script(`
local ttl = tonumber(ARGV[2])
local member = ARGV[3]
local mark = tonumber(ARGV[4])
local markers = tonumber(ARGV[5])
for i = 2, markers + 1 do
  local recorded = redis.call('GET', KEYS[i])
  if recorded and tonumber(recorded) > mark then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
${INDEX_LOOP.replace('FIRST_INDEX', 'markers + 2')}
return 1`);

/**
 * Index or tag upkeep alone, one set per call: on Redis Cluster an entry and its sets live in
 * different slots, so they cannot share a script.
 * KEYS: one index or tag set. ARGV: ttl ms, unprefixed key.
 */
export const ADD_TO_INDEX = script(`
local ttl = tonumber(ARGV[1])
local member = ARGV[2]
${INDEX_LOOP.replace('FIRST_INDEX', '1')}
return 1`);

/**
 * Records an invalidation: the next value of the counter goes on each scope's marker, kept
 * for `ttl` ms. All keys share one hash tag, so one slot on a Cluster.
 * KEYS: the counter, then the scopes' markers. ARGV: marker ttl ms. Returns the new count.
 */
export const RECORD_INVALIDATION = script(`
local count = redis.call('INCR', KEYS[1])
for i = 2, #KEYS do redis.call('SET', KEYS[i], count, 'PX', tonumber(ARGV[1])) end
return count`);

/**
 * Whether an invalidation passed a mark (Cluster, after the write: the markers and the entry
 * live in different slots). KEYS: the scopes' markers. ARGV: mark. Returns 1 if one did.
 */
export const PASSED_MARK = script(`
local mark = tonumber(ARGV[1])
for i = 1, #KEYS do
  local recorded = redis.call('GET', KEYS[i])
  if recorded and tonumber(recorded) > mark then return 1 end
end
return 0`);

/** Deletes a lock only while the caller's token still holds it. KEYS: lock. ARGV: token. */
export const UNLOCK = script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`);
