-- offer.lua: offer a queued trip to the chosen drivers, each as an
-- insertion into their route, or, when none was found, keep it queued for
-- a later search or mark it unassigned. Applies only if the trip is still
-- queued at the version ranked for, so two dispatchers racing for one trip
-- cannot both offer it.
--
-- A trip kept queued because nobody could take it waits in a geo set by
-- its pick-up, so that a driver freed nearby brings its search forward
-- (wake.lua) instead of it waiting for its retry.
--
-- KEYS[1] trip  [2] trip offers  [3] trip tried  [4] queue  [5] deadlines
--     [6] audit  [7] events  [8] trip proposals  [9] waiting trips (geo)
--     [10..] each chosen driver's offer index
-- ARGV[1] trip id  [2] expected version  [3] now ms  [4] offer expiry ms
--     [5] mode: offer | retry | unassign  [6] retry at ms
--     [7] pick-up longitude  [8] pick-up latitude
--     then for each chosen driver: driver id, and the insertion as
--     apply_route takes it with the offer as the driver sees it (see
--     read_proposal)
local st = redis.call('HMGET', KEYS[1], 'status', 'version', 'requester')
if not st[1] then return {'missing'} end
if st[1] ~= 'queued' or st[2] ~= ARGV[2] then return {'stale', st[1]} end
local id, now, exp, mode = ARGV[1], ARGV[3], ARGV[4], ARGV[5]
local v = tonumber(st[2]) + 1

if mode == 'retry' then
  redis.call('ZADD', KEYS[4], ARGV[6], id)
  redis.call('GEOADD', KEYS[9], ARGV[7], ARGV[8], id)
  return {'retry', tostring(v - 1)}
end
redis.call('ZREM', KEYS[9], id)
if mode == 'unassign' then
  redis.call('HSET', KEYS[1], 'status', 'unassigned', 'version', v, 'updated', now)
  redis.call('ZREM', KEYS[4], id)
  audit(KEYS[6], now, 'system', 'unassigned', 'queued', 'unassigned')
  trip_event(KEYS[7], id, 'unassigned', 'unassigned', v, st[3])
  emit(KEYS[7], 'alert', 'board', cjson.encode({trip_id = id, reason = 'unassigned'}))
  return {'unassigned', tostring(v)}
end

redis.call('HSET', KEYS[1], 'status', 'offered', 'version', v, 'updated', now)
for i = 9, #ARGV, 2 do
  local d = ARGV[i]
  redis.call('HSET', KEYS[2], d, exp)
  redis.call('HSET', KEYS[8], d, ARGV[i + 1])
  redis.call('SADD', KEYS[3], d)
  redis.call('ZADD', KEYS[10 + (i - 9) / 2], exp, id)
  redis.call('ZADD', KEYS[5], exp, id .. '|' .. d)
  audit(KEYS[6], now, 'system', 'offered', 'queued', 'offered', d)
  emit(KEYS[7], 'offer', 'driver:' .. d, read_proposal(ARGV[i + 1]).offer)
end
redis.call('ZREM', KEYS[4], id)
trip_event(KEYS[7], id, 'offered', 'offered', v, st[3])
return {'offered', tostring(v)}
