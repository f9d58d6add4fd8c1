-- accept.lua: give a trip to one driver, the one atomic step behind an
-- accepted offer, a claim from the open list and an assignment by hand.
-- Exactly one driver ever wins: the trip must still be open (and, for an
-- offer, the driver's offer still live), and the driver's route must still
-- be at the version the insertion was computed for, so the new route keeps
-- every rule of every trip on it. Returns the trip as it now is, after how
-- many other trips on the route it moved, the route's new version and the
-- planned times of those trips, for the retime that follows (retime.lua).
--
-- KEYS[1] trip  [2] trip offers  [3] driver offers  [4] driver route
--     [5] deadlines  [6] audit  [7] open trips  [8] queue  [9] driver trips
--     [10] events  [11] trip proposals  [12] retime outbox  [13] active trips
--     [14] the live request's reply mark, if it is one (see reserve_reply)
-- ARGV[1] trip id  [2] driver id  [3] now ms  [4] mode: offer | claim | assign
--     [5] expected version (claim, assign)  [6] actor
--     [7] the insertion (claim, assign; an offer's is stored with it, and
--     given here only when refitted to a route that changed since)
--     [8] the reply mark's life in ms (with KEYS[14])
local id, d, now, mode = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
if not reserve_reply(KEYS[14], ARGV[8]) then return {'repeat'} end
local st = redis.call('HMGET', KEYS[1], 'status', 'version', 'driver', 'requester', 'arrive')
if not st[1] then return {'missing'} end
local status, version = st[1], st[2]
local open = status == 'queued' or status == 'offered' or status == 'unassigned'

if not open then
  if st[3] == d and (status == 'assigned' or status == 'arrived' or status == 'picked_up') then
    return {'mine', version, '', '0', '', '', unpack(redis.call('HGETALL', KEYS[1]))}
  end
  local active = status == 'assigned' or status == 'arrived' or status == 'picked_up'
  if active and st[3] ~= d then return {'taken', status} end
  return {'closed', status}
end
if now >= tonumber(st[5]) then return {'closed', 'overdue'} end
if mode == 'claim' and status == 'offered' then
  -- An offer is the offered drivers' own until it expires or is declined:
  -- nobody else may claim the trip meanwhile.
  local soonest
  local kv = redis.call('HGETALL', KEYS[2])
  for i = 2, #kv, 2 do
    local e = tonumber(kv[i])
    if e > now and (not soonest or e < soonest) then soonest = e end
  end
  if soonest then return {'being_offered', tostring(soonest)} end
end
local proposal = ARGV[7]
if mode == 'offer' then
  local exp = redis.call('HGET', KEYS[2], d)
  if not exp or tonumber(exp) <= now then return {'no_offer', status} end
  if proposal == '' then proposal = redis.call('HGET', KEYS[11], d) end
  if not proposal then return {'no_offer', status} end
elseif version ~= ARGV[5] then
  return {'stale', status}
end

local p = read_proposal(proposal)
local rv = apply_route(KEYS[4], KEYS[12], d, p, ARGV[3])
if not rv then return {'conflict', status} end

local v = tonumber(version) + 1
redis.call('HSET', KEYS[1], 'status', 'assigned', 'driver', d, 'version', v, 'updated', ARGV[3],
  'pickup', p.pickup, 'drop', p.drop)
redis.call('ZADD', KEYS[9], p.pickup, id)
redis.call('ZADD', KEYS[13], st[5], id)
local withdrawn = withdraw(KEYS[2], KEYS[11], KEYS[5], id)
redis.call('ZREM', KEYS[3], id)
redis.call('ZREM', KEYS[7], id)
redis.call('ZREM', KEYS[8], id)
local action = ({offer = 'accepted', claim = 'claimed', assign = 'assigned'})[mode]
audit(KEYS[6], ARGV[3], ARGV[6], action, status, 'assigned', d)
local others = {}
for _, w in ipairs(withdrawn) do
  if w ~= d then table.insert(others, w) end
end
emit(KEYS[10], 'assigned', 'driver:' .. d, cjson.encode({trip_id = id, version = v}))
emit(KEYS[10], 'driver_route', 'driver:' .. d, cjson.encode({driver_id = d, version = rv, trip_id = id}))
withdrawn_event(KEYS[10], id, others, 'taken')
trip_event(KEYS[10], id, action, 'assigned', v, st[4], d, true)
return {'ok', tostring(v), table.concat(others, ','), tostring(p.moved), tostring(rv), p.plan or '',
  unpack(redis.call('HGETALL', KEYS[1]))}
