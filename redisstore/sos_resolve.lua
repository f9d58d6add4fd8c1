-- sos_resolve.lua: a coordinator resolves an open SOS. It leaves the open
-- list and its driver may raise another; boards and the driver are told.
--
-- KEYS[1] the SOS  [2] its audit  [3] open SOS  [4] driver  [5] events
--     [6] the trip's audit (the SOS's audit again when it names no trip)
-- ARGV[1] id  [2] now ms  [3] actor  [4] note  [5] change JSON
--     [6] driver id  [7] trip status, or '' when it names no trip
-- Returns 'ok', 'missing' or the status it already has.
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return 'missing' end
if status ~= 'open' then return status end
redis.call('HSET', KEYS[1], 'status', 'resolved', 'resolved_by', ARGV[3], 'resolved', ARGV[2], 'note', ARGV[4])
redis.call('ZREM', KEYS[3], ARGV[1])
if redis.call('HGET', KEYS[4], 'sos') == ARGV[1] then redis.call('HDEL', KEYS[4], 'sos') end
audit(KEYS[2], ARGV[2], ARGV[3], 'sos_resolved', 'open', 'resolved', ARGV[6])
if ARGV[7] ~= '' then audit(KEYS[6], ARGV[2], ARGV[3], 'sos_resolved', ARGV[7], ARGV[7], ARGV[6]) end
emit(KEYS[5], 'sos_resolved', 'board driver:' .. ARGV[6], ARGV[5])
return 'ok'
