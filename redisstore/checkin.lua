-- checkin.lua: staff at the drop-off's gate check in the riders of a trip
-- completed already (its driver proved the drop-off with the PIN): the
-- arrival is recorded once, audited, and the board and requester told.
--
-- KEYS[1] trip  [2] audit  [3] events
-- ARGV[1] trip id  [2] now ms  [3] actor
-- Returns 'ok' and the new version, 'missing', 'done' (checked in
-- already) or the status when it is not completed.
local st = redis.call('HMGET', KEYS[1], 'status', 'version', 'requester', 'driver', 'checkin')
if not st[1] then return {'missing'} end
if st[1] ~= 'completed' then return {st[1]} end
if st[5] and st[5] ~= '' and st[5] ~= '0' then return {'done'} end
local v = tonumber(st[2]) + 1
redis.call('HSET', KEYS[1], 'checkin', ARGV[2], 'checkin_by', ARGV[3], 'version', v, 'updated', ARGV[2])
local driver = st[4] ~= '' and st[4] or nil
audit(KEYS[2], ARGV[2], ARGV[3], 'checked_in', 'completed', 'completed', driver, nil)
trip_event(KEYS[3], ARGV[1], 'checked_in', 'completed', v, st[3], driver)
return {'ok', tostring(v)}
