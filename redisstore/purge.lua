-- purge.lua: a trip's riders' data removed, its retention over or at a
-- rider's request (see purge.go, privacy.go): the trip's data replaced by
-- the purged copy, unless the trip changed since it was read (then the next
-- round does it). A whole purge (ARGV[4] absent or '1') drops the PIN too
-- and takes the trip off the purge's work list; a rider erased from a trip
-- others still ride in leaves both.
--
-- KEYS[1] trip  [2] the purge's work list (trips:ends)
-- ARGV[1] trip id  [2] the version read  [3] the purged data
--     [4] '0' when only some riders were erased
local v = redis.call('HGET', KEYS[1], 'version')
if not v then
  redis.call('ZREM', KEYS[2], ARGV[1])
  return 'gone'
end
if v ~= ARGV[2] then return 'changed' end
redis.call('HSET', KEYS[1], 'data', ARGV[3])
if ARGV[4] ~= '0' then
  redis.call('HDEL', KEYS[1], 'pin')
  redis.call('ZREM', KEYS[2], ARGV[1])
end
return 'purged'
