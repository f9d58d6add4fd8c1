-- retime.lua: bring the planned times of the trips on a driver's route in
-- line with the route, after an insertion moved them, and tell whoever
-- follows each trip. Applies only at the route version read, so a route
-- that changed again is retimed again, from its newer stops.
--
-- KEYS[1] driver route  [2] retime outbox  [3] events
--     then for each trip: trip, audit
-- ARGV[1] driver id  [2] route version  [3] now ms
--     then for each trip: id, planned pick-up ms, planned drop-off ms
local v = route_version(KEYS[1])
if v ~= ARGV[2] then return {'stale'} end
local d, at = ARGV[1], ARGV[3]
local moved = 0
for i = 0, (#KEYS - 3) / 2 - 1 do
  local k, a = 4 + i * 2, 4 + i * 3
  local id, pick, drop = ARGV[a], ARGV[a + 1], ARGV[a + 2]
  local st = redis.call('HMGET', KEYS[k], 'status', 'version', 'requester', 'driver', 'pickup', 'drop')
  if st[1] and st[4] == d and (st[5] ~= pick or st[6] ~= drop) then
    local nv = tonumber(st[2]) + 1
    redis.call('HSET', KEYS[k], 'pickup', pick, 'drop', drop, 'version', nv)
    audit(KEYS[k + 1], at, 'system', 'retimed', st[1], st[1], d)
    trip_event(KEYS[3], id, 'retimed', st[1], nv, st[3], d)
    moved = moved + 1
  end
end
redis.call('ZREM', KEYS[2], d)
return {'ok', tostring(moved)}
