-- move.lua: a driver's new position, while online: the geo index dispatch
-- searches moves, and boards are told on the positions channel (not the
-- event stream: positions are state, many a second, and never replayed).
--
-- KEYS[1] driver  [2] live geo index  [3] positions channel
-- ARGV[1] driver id  [2] lat  [3] lng  [4] now ms
if redis.call('HGET', KEYS[1], 'status') ~= 'online' then return 'offline' end
redis.call('HSET', KEYS[1], 'lat', ARGV[2], 'lng', ARGV[3], 'seen', ARGV[4])
redis.call('GEOADD', KEYS[2], ARGV[3], ARGV[2], ARGV[1])
redis.call('PUBLISH', KEYS[3], cjson.encode({
  driver_id = ARGV[1], status = 'online', lat = tonumber(ARGV[2]), lng = tonumber(ARGV[3]),
}))
return 'ok'
