-- purge.lua: a trip's riders' data removed, its retention over or at a
-- rider's request (see purge.go, privacy.go), in one step: the trip's data
-- replaced by the purged copy and the riders it no longer names taken out
-- of the riders' index, unless the trip changed since it was read (then
-- nothing changes, and the next round or request does it). A whole purge
-- (ARGV[4] '1') drops the PIN too and takes the trip off the purge's work
-- list; a rider erased from a trip others still ride in leaves both. An
-- erasure at a rider's request is audited (ARGV[5]).
--
-- KEYS[1] trip  [2] the purge's work list (trips:ends)  [3] the trip's audit
--     then the riders' index keys the trip leaves
-- ARGV[1] trip id  [2] the version read  [3] the purged data
--     [4] '1' whole, '0' some riders only  [5] audit entry, or ''
local v = redis.call('HGET', KEYS[1], 'version')
if not v then
  redis.call('ZREM', KEYS[2], ARGV[1])
  return 'gone'
end
if v ~= ARGV[2] then return 'changed' end
redis.call('HSET', KEYS[1], 'data', ARGV[3])
for i = 4, #KEYS do redis.call('SREM', KEYS[i], ARGV[1]) end
if ARGV[4] == '1' then
  redis.call('HDEL', KEYS[1], 'pin')
  redis.call('ZREM', KEYS[2], ARGV[1])
end
if ARGV[5] ~= '' then redis.call('RPUSH', KEYS[3], ARGV[5]) end
return 'purged'
