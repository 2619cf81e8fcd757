-- The fleet's rate limit: GCRA evaluated atomically inside Redis, on Redis's clock.
--
-- KEYS[1]  the theoretical arrival time (TAT) of the next request, in microseconds of Redis's
--          clock (TIME), as a decimal string
-- KEYS[2]  the shared 429 pause: present (with a PX time to live) while every process waits
-- ARGV[1]  "acquire" or "pause"
--
-- acquire: ARGV[2] = T, the interval between requests (µs; 0: no pacing, only the pause),
--          ARGV[3] = tau, the burst tolerance b * T (µs),
--          ARGV[4] = the longest wait the caller accepts (µs).
--   Returns {0, µs} while paused (the pause's remaining time), {1, µs} when a slot was
--   reserved (send after waiting that long), {2, µs} when the next slot is further away than
--   the caller accepts (nothing reserved).
-- pause:   ARGV[2] = the pause (ms). A shorter pause never shortens a longer one. Returns {3, 0}.
--
-- A request reserved at TAT' = max(TAT, now) + T may be sent at TAT' - tau: b requests at once,
-- then one every T, so n requests inside any window of length P need (n - b) * T < P.
--
-- Numbers are formatted with %.0f: Lua's default conversion keeps 14 digits, and microseconds
-- since 1970 have 16 (doubles hold them exactly up to 2^53).

local mode = ARGV[1]

if mode == 'pause' then
  local ms = tonumber(ARGV[2])
  if ms > 0 and redis.call('PTTL', KEYS[2]) < ms then
    redis.call('SET', KEYS[2], '1', 'PX', string.format('%.0f', ms))
  end
  return {3, 0}
end

local paused = redis.call('PTTL', KEYS[2])
if paused > 0 then
  return {0, paused * 1000}
end

local interval = tonumber(ARGV[2])
if interval <= 0 then
  return {1, 0}
end
local tau = tonumber(ARGV[3])
local longest = tonumber(ARGV[4])

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or 0) or 0
if tat < now then
  tat = now
end
local next_tat = tat + interval
local wait = next_tat - tau - now
if wait < 0 then
  wait = 0
end
if wait > longest then
  return {2, wait}
end
-- The key outlives the schedule by a second; an expired key means "no backlog".
local ttl_ms = math.ceil((next_tat - now) / 1000) + 1000
redis.call('SET', KEYS[1], string.format('%.0f', next_tat), 'PX', string.format('%.0f', ttl_ms))
return {1, wait}
