-- reassign.lua: move a held trip from the driver who holds it to another,
-- the one atomic step behind a coordinator's reassignment. The trip must
-- still be at the version read and held by the same driver, the old
-- driver's route at the version the trip's removal was computed for, and
-- the new driver's at the version the insertion was computed for (through
-- the same fit rule as every other way of giving a driver a trip): so the
-- trip ends on exactly one route, and no route ever breaks a rule.
--
-- KEYS[1] trip  [2] audit  [3] old driver route  [4] new driver route
--     [5] old driver trips  [6] new driver trips  [7] events
--     [8] retime outbox  [9] active trips
-- ARGV[1] trip id  [2] expected version  [3] now ms  [4] actor
--     [5] old driver  [6] new driver  [7] old route version
--     [8] the old route's stops without the trip  [9] the insertion
local id, now, old, new = ARGV[1], ARGV[3], ARGV[5], ARGV[6]
local st = redis.call('HMGET', KEYS[1], 'status', 'version', 'driver', 'requester', 'arrive')
if not st[1] then return {'missing'} end
local status = st[1]
if st[2] ~= ARGV[2] or st[3] ~= old or (status ~= 'assigned' and status ~= 'arrived') then
  return {'stale', status}
end
local ov = route_version(KEYS[3])
if ov ~= ARGV[7] then return {'stale', status} end
local p = read_proposal(ARGV[9])
local rv = apply_route(KEYS[4], KEYS[8], new, p, now)
if not rv then return {'conflict', status} end
local orv = tonumber(ov) + 1
set_route(KEYS[3], orv, ARGV[8], now)

local v = tonumber(st[2]) + 1
redis.call('HSET', KEYS[1], 'status', 'assigned', 'driver', new, 'version', v, 'updated', now,
  'pickup', p.pickup, 'drop', p.drop)
redis.call('ZREM', KEYS[5], id)
redis.call('ZADD', KEYS[6], p.pickup, id)
redis.call('ZADD', KEYS[9], st[5], id)
redis.call('RPUSH', KEYS[2], cjson.encode({
  at = now, actor = ARGV[4], action = 'reassigned', from = status, to = 'assigned',
  driver_id = new, previous_driver_id = old,
}))
-- The driver it was taken from sees it leave their route, and the trip
-- as they may now see it: no longer theirs.
emit(KEYS[7], 'driver_route', 'driver:' .. old, cjson.encode({driver_id = old, version = orv, trip_id = id}))
emit(KEYS[7], 'trip', 'driver:' .. old, cjson.encode({
  trip_id = id, action = 'reassigned', status = 'assigned', version = v,
}))
emit(KEYS[7], 'assigned', 'driver:' .. new, cjson.encode({trip_id = id, version = v}))
emit(KEYS[7], 'driver_route', 'driver:' .. new, cjson.encode({driver_id = new, version = rv, trip_id = id}))
trip_event(KEYS[7], id, 'reassigned', 'assigned', v, st[4], new, true)
return {'ok', tostring(v), tostring(p.moved), unpack(redis.call('HGETALL', KEYS[1]))}
