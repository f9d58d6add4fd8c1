-- route_accept.lua: a driver confirms a planned route: every trip of it
-- becomes theirs in one atomic step, or none does. Each trip must still be
-- open and before its deadline, and the driver's own route must still be
-- at the version the caller merged the planned one into, so the merged
-- route keeps every rule of every trip on it.
--
-- KEYS[1] planned route  [2] driver route  [3] driver trips  [4] events
--     [5] open  [6] queue  [7] offer deadlines  [8] route deadlines  [9] active trips
--     then for each trip: trip, trip offers, audit, trip proposals
-- ARGV[1] route id  [2] driver id  [3] now ms  [4] driver route version
--     [5] the merged stops (JSON)
--     then for each trip: id, planned pick-up ms, planned drop-off ms
local rid, d, now = ARGV[1], ARGV[2], tonumber(ARGV[3])
local r = redis.call('HMGET', KEYS[1], 'status', 'driver', 'expires')
if not r[1] then return {'missing'} end
if r[2] ~= d then return {'forbidden'} end
if r[1] ~= 'offered' then return {'closed', r[1]} end
if now >= tonumber(r[3]) then return {'closed', 'expired'} end

local n = (#ARGV - 5) / 3
local trips = {}
for i = 1, n do
  local k = 9 + (i - 1) * 4
  local a = 6 + (i - 1) * 3
  local st = redis.call('HMGET', KEYS[k + 1], 'status', 'version', 'requester', 'arrive')
  if not st[1] then return {'missing_trip', ARGV[a]} end
  if not (st[1] == 'queued' or st[1] == 'offered' or st[1] == 'unassigned') then
    return {'taken', ARGV[a]}
  end
  if now >= tonumber(st[4]) then return {'closed', 'overdue'} end
  trips[i] = {id = ARGV[a], pick = ARGV[a + 1], drop = ARGV[a + 2], k = k, st = st}
end

local rv = route_version(KEYS[2])
if rv ~= ARGV[4] then return {'conflict'} end
set_route(KEYS[2], tonumber(rv) + 1, ARGV[5], ARGV[3])

for _, t in ipairs(trips) do
  local v = tonumber(t.st[2]) + 1
  redis.call('HSET', KEYS[t.k + 1], 'status', 'assigned', 'driver', d, 'version', v, 'updated', ARGV[3],
    'pickup', t.pick, 'drop', t.drop)
  redis.call('ZADD', KEYS[3], t.pick, t.id)
  redis.call('ZADD', KEYS[9], t.st[4], t.id)
  local withdrawn = withdraw(KEYS[t.k + 2], KEYS[t.k + 4], KEYS[7], t.id)
  local others = {}
  for _, w in ipairs(withdrawn) do if w ~= d then table.insert(others, w) end end
  redis.call('ZREM', KEYS[5], t.id)
  redis.call('ZREM', KEYS[6], t.id)
  audit(KEYS[t.k + 3], ARGV[3], 'driver:' .. d, 'accepted', t.st[1], 'assigned', d)
  emit(KEYS[4], 'assigned', 'driver:' .. d, cjson.encode({trip_id = t.id, version = v}))
  withdrawn_event(KEYS[4], t.id, others, 'taken')
  trip_event(KEYS[4], t.id, 'accepted', 'assigned', v, t.st[3], d, true)
end
redis.call('HSET', KEYS[1], 'status', 'confirmed')
redis.call('ZREM', KEYS[8], rid)
emit(KEYS[4], 'route', 'board driver:' .. d, cjson.encode({route_id = rid, status = 'confirmed', driver_id = d}))
emit(KEYS[4], 'driver_route', 'driver:' .. d, cjson.encode({driver_id = d, version = tonumber(rv) + 1}))
return {'ok'}
