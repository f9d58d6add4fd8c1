-- wake.lua: a driver was freed (a trip of theirs ended or left their
-- route, or they came online): the trips waiting nearest them because
-- nobody could take them are searched again now, not at their retry.
-- A trip no longer queued leaves the waiting set here.
--
-- Every call counts a driver freed, for the dry marks (dry.go).
--
-- KEYS[1] waiting trips (geo)  [2] queue  [3] the driver's hash
--     [4] the count of drivers freed
-- ARGV[1] radius km  [2] how many at most  [3] now ms
-- Returns how many trips were brought forward.
redis.call('INCR', KEYS[4])
local d = redis.call('HMGET', KEYS[3], 'status', 'lat', 'lng', 'hlat', 'hlng')
local lat, lng = d[4], d[5]
if d[1] == 'online' and d[2] then lat, lng = d[2], d[3] end
if not lat then return 0 end
local ids = redis.call('GEOSEARCH', KEYS[1], 'FROMLONLAT', lng, lat, 'BYRADIUS', ARGV[1], 'km', 'ASC', 'COUNT', ARGV[2])
local n = 0
for _, id in ipairs(ids) do
  local at = redis.call('ZSCORE', KEYS[2], id)
  if not at then
    redis.call('ZREM', KEYS[1], id)
  elseif tonumber(at) > tonumber(ARGV[3]) then
    redis.call('ZADD', KEYS[2], ARGV[3], id)
    n = n + 1
  end
end
return n
