package redis

import goredis "github.com/redis/go-redis/v9"

// gcraScript is go-redis/redis_rate v10's allowN (after Pavel Pravosud's
// redis-gcra), changed in four ways: time is integer microseconds from
// Redis's TIME instead of float seconds since 2017, so that a burst of b
// admits exactly b (float sums of the interval drift); the stored TAT is
// formatted with %.0f because Lua 5.1's tostring keeps only 14 digits;
// n == 0 and n > burst neither write nor consume; and a decision whose
// deadline has passed on Redis's clock when the script starts neither
// writes nor consumes. It returns {allowed, remaining, retry_after µs (-1:
// never), reset_after µs, now µs}, or {-2, 0, 0, 0, now µs} past the
// deadline.
//
// The deadline check and the write happen in one atomic script run, so a
// script that Redis runs late (after a pause, say SIGSTOP or a long
// fork, with the command waiting in the socket buffer) cannot count a
// request its caller has already given up on.
//
// KEYS[1] the key; ARGV: interval µs, burst offset µs, n, burst, deadline
// µs on Redis's clock (0: none).
var gcraScript = goredis.NewScript(`
if redis.replicate_commands then redis.replicate_commands() end
local key = KEYS[1]
local interval = tonumber(ARGV[1])
local burst_offset = tonumber(ARGV[2])
local n = tonumber(ARGV[3])
local burst = tonumber(ARGV[4])
local deadline = tonumber(ARGV[5]) or 0

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])

if deadline > 0 and now >= deadline then return {-2, 0, 0, 0, now} end

local tat = tonumber(redis.call('GET', key) or 0) or 0
if tat < now then tat = now end

local function remaining(at)
  local r = math.floor((now - (at - burst_offset)) / interval)
  if r < 0 then return 0 end
  return r
end

if n == 0 then return {1, remaining(tat), 0, tat - now, now} end
if n > burst then return {0, remaining(tat), -1, tat - now, now} end

local new_tat = tat + interval * n
local diff = now - (new_tat - burst_offset)
if diff < 0 then return {0, remaining(tat), -diff, tat - now, now} end

local reset_after = new_tat - now
redis.call('SET', key, string.format('%.0f', new_tat), 'PX', math.ceil(reset_after / 1000))
return {1, math.floor(diff / interval), 0, reset_after, now}
`)
