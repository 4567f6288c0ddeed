import { luaScript as script } from '@kit/internal';

/*
 * Index maintenance, shared by both scripts. An index is a sorted set of keys scored by
 * when they expire: writes prune members whose key has expired, so index entries never
 * outlive their keys for long, and the set itself expires with its newest member.
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
 * SET with PX plus index upkeep in one round trip (single Redis).
 * KEYS: the entry, then its index sets. ARGV: value, ttl ms, unprefixed key.
 */
export const SET_INDEXED = script(`
local ttl = tonumber(ARGV[2])
local member = ARGV[3]
redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
${INDEX_LOOP.replace('FIRST_INDEX', '2')}
return 1`);

/**
 * Index upkeep alone, one index per call: on Redis Cluster an entry and its indexes live in
 * different slots, so they cannot share a script.
 * KEYS: one index set. ARGV: ttl ms, unprefixed key.
 */
export const ADD_TO_INDEX = script(`
local ttl = tonumber(ARGV[1])
local member = ARGV[2]
${INDEX_LOOP.replace('FIRST_INDEX', '1')}
return 1`);
