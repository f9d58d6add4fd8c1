-- route_accept.lua: a driver confirms a planned route: every trip of it
-- becomes theirs in one atomic step, or none does. Each trip must still be
-- open and before its deadline; the route's time must not overlap anything
-- the driver already holds. (The route's own trips overlap each other: the
-- car carries them together.)
--
-- KEYS[1] route  [2] driver spans  [3] driver trips  [4] events  [5] open
--     [6] queue  [7] offer deadlines  [8] route deadlines
--     then for each trip: trip, trip offers, audit
-- ARGV[1] route id  [2] driver id  [3] now ms  [4] longest span ms
--     then the trip ids, in the order of their keys
local rid, d, now = ARGV[1], ARGV[2], tonumber(ARGV[3])
local r = redis.call('HMGET', KEYS[1], 'status', 'driver', 'expires', 'span_s', 'span_e')
if not r[1] then return {'missing'} end
if r[2] ~= d then return {'forbidden'} end
if r[1] ~= 'offered' then return {'closed', r[1]} end
if now >= tonumber(r[3]) then return {'closed', 'expired'} end

local n = #ARGV - 4
local trips = {}
for i = 1, n do
  local k = 8 + (i - 1) * 3
  local st = redis.call('HMGET', KEYS[k + 1], 'status', 'version', 'requester', 'span_s', 'span_e', 'pickup', 'arrive')
  if not st[1] then return {'missing_trip', ARGV[4 + i]} end
  if not (st[1] == 'queued' or st[1] == 'offered' or st[1] == 'unassigned') then
    return {'taken', ARGV[4 + i]}
  end
  if now >= tonumber(st[7]) then return {'closed', 'overdue'} end
  trips[i] = {id = ARGV[4 + i], k = k, st = st}
end

local s_start = tonumber(r[4])
local from = '(' .. tostring(s_start - tonumber(ARGV[4]))
for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], from, '(' .. r[5])) do
  local e, other = string.match(m, '^(%d+):(.+)$')
  if tonumber(e) > s_start then return {'clash', other} end
end

for _, t in ipairs(trips) do
  local v = tonumber(t.st[2]) + 1
  redis.call('HSET', KEYS[t.k + 1], 'status', 'assigned', 'driver', d, 'version', v, 'updated', ARGV[3])
  redis.call('ZADD', KEYS[2], t.st[4], t.st[5] .. ':' .. t.id)
  redis.call('ZADD', KEYS[3], t.st[6], t.id)
  local withdrawn = withdraw(KEYS[t.k + 2], KEYS[7], t.id)
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
return {'ok'}
