-- route_answer.lua: a driver declines a route offer, or it expires. Only
-- the first answer counts; the caller then repairs the route's trips.
--
-- KEYS[1] route  [2] route deadlines  [3] events
-- ARGV[1] route id  [2] driver id ('' for an expiry)  [3] now ms
--     [4] status to set: declined  [5] reason: declined | expired
local r = redis.call('HMGET', KEYS[1], 'status', 'driver', 'expires')
if not r[1] then return {'missing'} end
if ARGV[2] ~= '' and r[2] ~= ARGV[2] then return {'forbidden'} end
if r[1] ~= 'offered' then return {'closed', r[1]} end
if ARGV[5] == 'expired' and tonumber(ARGV[3]) < tonumber(r[3]) then return {'closed', 'not_due'} end
redis.call('HSET', KEYS[1], 'status', ARGV[4])
redis.call('ZREM', KEYS[2], ARGV[1])
emit(KEYS[3], 'route', 'board driver:' .. r[2], cjson.encode({route_id = ARGV[1], status = ARGV[4], reason = ARGV[5], driver_id = r[2]}))
return {'ok', r[2]}
