-- purge.lua: a trip's riders' data removed, its retention over (see
-- purge.go): the trip's data replaced by the purged copy and its PIN
-- dropped, unless the trip changed since it was read (then the next round
-- does it). The trip leaves the purge's work list either way once done.
--
-- KEYS[1] trip  [2] the purge's work list (trips:ends)
-- ARGV[1] trip id  [2] the version read  [3] the purged data
local v = redis.call('HGET', KEYS[1], 'version')
if not v then
  redis.call('ZREM', KEYS[2], ARGV[1])
  return 'gone'
end
if v ~= ARGV[2] then return 'changed' end
redis.call('HSET', KEYS[1], 'data', ARGV[3])
redis.call('HDEL', KEYS[1], 'pin')
redis.call('ZREM', KEYS[2], ARGV[1])
return 'purged'
