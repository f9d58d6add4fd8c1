-- transition.lua: a change of status that the caller has checked against
-- the trip at a version it read (progress, release, cancel, requeue). It
-- applies only if the trip is still at that version, so a change made in
-- between makes the caller read again, never lost or doubled.
--
-- KEYS[1] trip  [2] audit  [3] driver route  [4] open trips  [5] queue
--     [6] driver trips  [7] trip offers  [8] deadlines  [9] trip tried
--     [10] events  [11] trip proposals  [12] active trips (left by every change)
--     [13] driver  [14] the trip's wrong PIN tries  [15] waiting trips (geo)
--     [16] the count of drivers freed
-- ARGV[1] trip id  [2] expected version  [3] now ms  [4] actor  [5] action
--     [6] from  [7] to  [8] driver (or '')  [9] flags: any of
--     f = free the driver, q = requeue, e = ended, o = open,
--     t = forget who was tried, a = add the driver to those tried,
--     r = the driver's route becomes ARGV[13] if still at version ARGV[10],
--     p = the PIN was right: forget the wrong tries,
--     v = a coordinator's override of the PIN, so audited,
--     w = the driver may take more now: wake the trips waiting near them,
--     g = staff at the gate checked the riders in (the actor), so audited
--     [10] route version  [11] queue at ms  [12] arrive_by ms  [13] stops
--     [14] road km driven to this stop ('' for none)  [15] the stop served: "lat,lng,ms"
--     [16] radius km and [17] how many for w
-- Returns 'ok', the new version, how many waiting trips w brought forward,
-- then the drivers whose offers were withdrawn.
local id, now = ARGV[1], ARGV[3]
local st = redis.call('HMGET', KEYS[1], 'status', 'version', 'requester')
if not st[1] then return {'missing'} end
if st[2] ~= ARGV[2] then return {'stale', st[1]} end
local flags = ARGV[9]
local v = tonumber(st[2]) + 1
if string.find(flags, 'r', 1, true) then
  local rv = route_version(KEYS[3])
  if rv ~= ARGV[10] then return {'stale', st[1]} end
  set_route(KEYS[3], tonumber(rv) + 1, ARGV[13], now)
  if ARGV[15] and ARGV[15] ~= '' then redis.call('HSET', KEYS[3], 'route_last', ARGV[15]) end
  if ARGV[14] and ARGV[14] ~= '' then redis.call('HINCRBYFLOAT', KEYS[13], 'km', ARGV[14]) end
  emit(KEYS[10], 'driver_route', 'driver:' .. ARGV[8], cjson.encode({driver_id = ARGV[8], version = tonumber(rv) + 1, trip_id = id}))
end

redis.call('HSET', KEYS[1], 'status', ARGV[7], 'version', v, 'updated', now)
local withdrawn = {}
if st[1] == 'offered' then withdrawn = withdraw(KEYS[7], KEYS[11], KEYS[8], id) end
redis.call('ZREM', KEYS[12], id)
if string.find(flags, 'f', 1, true) then
  redis.call('ZREM', KEYS[6], id)
  redis.call('HSET', KEYS[1], 'driver', '')
end
if string.find(flags, 't', 1, true) then redis.call('DEL', KEYS[9]) end
if string.find(flags, 'a', 1, true) then redis.call('SADD', KEYS[9], ARGV[8]) end
if string.find(flags, 'q', 1, true) then
  redis.call('ZADD', KEYS[5], ARGV[11], id)
else
  redis.call('ZREM', KEYS[5], id)
end
if string.find(flags, 'o', 1, true) then
  redis.call('ZADD', KEYS[4], ARGV[12], id)
else
  redis.call('ZREM', KEYS[4], id)
end
if string.find(flags, 'e', 1, true) then redis.call('HSET', KEYS[1], 'ended', now) end
if string.find(flags, 'p', 1, true) then redis.call('DEL', KEYS[14]) end
local override = nil
if string.find(flags, 'v', 1, true) then override = true end
audit(KEYS[2], now, ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8] ~= '' and ARGV[8] or nil, override)
if string.find(flags, 'g', 1, true) then
  redis.call('HSET', KEYS[1], 'checkin', now, 'checkin_by', ARGV[4])
  audit(KEYS[2], now, ARGV[4], 'checked_in', ARGV[7], ARGV[7], ARGV[8] ~= '' and ARGV[8] or nil, nil)
end
withdrawn_event(KEYS[10], id, withdrawn, ARGV[5] == 'cancelled' and 'cancelled' or 'withdrawn')
trip_event(KEYS[10], id, ARGV[5], ARGV[7], v, st[3], ARGV[8])
local woken = 0
if string.find(flags, 'w', 1, true) then
  woken = wake_waiting(KEYS[15], KEYS[5], KEYS[13], KEYS[16], ARGV[16], ARGV[17], now)
end
local out = {'ok', tostring(v), tostring(woken)}
for _, w in ipairs(withdrawn) do table.insert(out, w) end
return out
