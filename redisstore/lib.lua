-- Shared helpers, prepended to every script of this package (see scripts.go),
-- after a line that sets EVENTS_MAXLEN. Every key a script touches arrives in
-- KEYS and shares the store's hash tag.

-- audit appends one entry to a trip's audit trail. at is the time in
-- milliseconds as the decimal string the caller passed, kept a string so that
-- no Lua number formatting can round it. override (true or nil) marks a
-- step a coordinator recorded without the rider's PIN.
local function audit(key, at, actor, action, from, to, driver, override)
  redis.call('RPUSH', key, cjson.encode({
    at = at, actor = actor, action = action,
    from = from, to = to, driver_id = driver, override = override,
  }))
end

-- withdraw removes every outstanding offer of a trip, with the route
-- insertion each proposed, and returns the drivers it was offered to.
-- Drivers' own offer indexes are cleaned lazily.
local function withdraw(offers_key, proposals_key, deadlines_key, trip_id)
  local drivers = redis.call('HKEYS', offers_key)
  for _, d in ipairs(drivers) do
    redis.call('ZREM', deadlines_key, trip_id .. '|' .. d)
  end
  redis.call('DEL', offers_key, proposals_key)
  return drivers
end

-- A driver's route lives in the driver's own hash (see keys.driverRoute):
-- route_version reads its version (0 for none yet) as a string, as ARGV
-- carries versions; set_route writes its stops at version v.
local function route_version(key)
  return redis.call('HGET', key, 'route_v') or '0'
end

local function set_route(key, v, stops, now)
  redis.call('HSET', key, 'route_v', v, 'route_stops', stops, 'route_updated', now)
end

-- read_proposal reads a proposal as proposalOf writes it (driver_route.go):
-- "p1", then base, pickup, drop, moved, plan and stops a line each, then
-- the offer the driver was shown, to the end. Plain finds, not a JSON
-- decode of the whole route. One stored as JSON before that form is
-- decoded as it was written. offer is '' when there is none.
local PROPOSAL_LINES = {'base', 'pickup', 'drop', 'moved', 'plan', 'stops'}
local function read_proposal(s)
  if string.sub(s, 1, 3) ~= 'p1\n' then
    local p = cjson.decode(s)
    p.offer = nil
    return p
  end
  local p, at = {}, 4
  for _, f in ipairs(PROPOSAL_LINES) do
    local nl = string.find(s, '\n', at, true)
    p[f] = string.sub(s, at, nl - 1)
    at = nl + 1
  end
  p.offer = string.sub(s, at)
  return p
end

-- apply_route makes a proposal (see driver_route.go) a driver's route, if
-- the route is still at the version the proposal was computed for. It
-- returns false when the route moved on; the caller refuses with conflict.
local function apply_route(route_key, retime_key, driver, p, now)
  local v = tonumber(route_version(route_key))
  if v ~= tonumber(p.base) then return false end
  set_route(route_key, v + 1, p.stops, now)
  if tonumber(p.moved) > 0 then
    redis.call('ZADD', retime_key, now, driver)
  end
  return v + 1
end

-- emit appends a change to the event stream, which every instance follows to
-- push it live and from which reconnecting clients resume. to lists the
-- audiences, space-separated: board, drivers, driver:ID, requester:ID.
local function emit(key, kind, to, data)
  redis.call('XADD', key, 'MAXLEN', '~', EVENTS_MAXLEN, '*', 'k', kind, 'to', to, 'd', data)
end

-- trip_event tells the board, the trip's requester and its driver (if any)
-- that the trip changed; they read the trip itself as each may see it. A
-- driver who has just been given the trip is told by an assigned event
-- instead: pass skip_driver.
local function trip_event(key, id, action, status, version, requester, driver, skip_driver)
  local to = 'board'
  if requester and requester ~= '' then to = to .. ' requester:' .. requester end
  if not driver or driver == '' then
    driver = nil
  elseif not skip_driver then
    to = to .. ' driver:' .. driver
  end
  emit(key, 'trip', to, cjson.encode({
    trip_id = id, action = action, status = status, version = tonumber(version), driver_id = driver,
  }))
end

-- withdrawn_event tells drivers that their offers of a trip are gone.
local function withdrawn_event(key, id, drivers, reason)
  if #drivers == 0 then return end
  local to = {}
  for i, d in ipairs(drivers) do to[i] = 'driver:' .. d end
  emit(key, 'offer_withdrawn', table.concat(to, ' '), cjson.encode({trip_id = id, reason = reason}))
end

-- wake_waiting: the driver of driver_key was freed. The trips waiting
-- nearest where they are (their live position if online, else home)
-- because nobody could take them are queued for now; a trip no longer
-- queued leaves the waiting set. Counts the driver freed, for the dry
-- marks (dry.go). Returns how many trips were brought forward.
local function wake_waiting(waiting_key, queue_key, driver_key, seq_key, radius, count, now)
  redis.call('INCR', seq_key)
  -- Most frees find nothing waiting: then neither the driver's position
  -- nor a search is needed.
  if redis.call('ZCARD', waiting_key) == 0 then return 0 end
  local d = redis.call('HMGET', driver_key, 'status', 'lat', 'lng', 'hlat', 'hlng')
  local lat, lng = d[4], d[5]
  if d[1] == 'online' and d[2] then lat, lng = d[2], d[3] end
  if not lat then return 0 end
  local ids = redis.call('GEOSEARCH', waiting_key, 'FROMLONLAT', lng, lat, 'BYRADIUS', radius, 'km', 'ASC', 'COUNT', count)
  local n = 0
  for _, id in ipairs(ids) do
    local at = redis.call('ZSCORE', queue_key, id)
    if not at then
      redis.call('ZREM', waiting_key, id)
    elseif tonumber(at) > tonumber(now) then
      redis.call('ZADD', queue_key, now, id)
      n = n + 1
    end
  end
  return n
end

-- reserve_reply marks a live request "being answered" (see Once in
-- tickets.go) as the first thing the request's own step does, so that the
-- mark costs no round trip of its own: key is the last of KEYS when the
-- caller passed one, pending the mark's life in ms. False: the same request
-- is there already, answered or being answered; the step must do nothing.
local function reserve_reply(key, pending)
  if not key then return true end
  return redis.call('SET', key, '', 'NX', 'PX', pending) ~= false
end
