package redis

import goredis "github.com/redis/go-redis/v9"

// gcraScript is go-redis/redis_rate v10's allowN (after Pavel Pravosud's
// redis-gcra), changed in three ways: time is integer microseconds from
// Redis's TIME instead of float seconds since 2017, so that a burst of b
// admits exactly b (float sums of the interval drift); the stored TAT is
// formatted with %.0f because Lua 5.1's tostring keeps only 14 digits; and
// n == 0 and n > burst neither write nor consume. It returns {allowed,
// remaining, retry_after µs (-1: never), reset_after µs}.
//
// KEYS[1] the key; ARGV: interval µs, burst offset µs, n, burst.
var gcraScript = goredis.NewScript(`
if redis.replicate_commands then redis.replicate_commands() end
local key = KEYS[1]
local interval = tonumber(ARGV[1])
local burst_offset = tonumber(ARGV[2])
local n = tonumber(ARGV[3])
local burst = tonumber(ARGV[4])

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])

local tat = tonumber(redis.call('GET', key) or 0) or 0
if tat < now then tat = now end

local function remaining(at)
  local r = math.floor((now - (at - burst_offset)) / interval)
  if r < 0 then return 0 end
  return r
end

if n == 0 then return {1, remaining(tat), 0, tat - now} end
if n > burst then return {0, remaining(tat), -1, tat - now} end

local new_tat = tat + interval * n
local diff = now - (new_tat - burst_offset)
if diff < 0 then return {0, remaining(tat), -diff, tat - now} end

local reset_after = new_tat - now
redis.call('SET', key, string.format('%.0f', new_tat), 'PX', math.ceil(reset_after / 1000))
return {1, math.floor(diff / interval), 0, reset_after}
`)
