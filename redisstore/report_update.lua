-- report_update.lua: a coordinator forwards or resolves a report, if it is
-- still as they read it. Boards and the reporter are told.
--
-- KEYS[1] the report  [2] unresolved reports  [3] its audit  [4] events
-- ARGV[1] id  [2] now ms  [3] actor  [4] status read  [5] new status
--     [6] forwarded to ('' keeps it)  [7] outcome ('' keeps it)
--     [8] change JSON  [9] the reporter's id
-- Returns 'ok', 'missing' or 'changed' (it is no longer ARGV[4]).
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return 'missing' end
if status ~= ARGV[4] then return 'changed' end
redis.call('HSET', KEYS[1], 'status', ARGV[5], 'updated', ARGV[2], 'updated_by', ARGV[3])
if ARGV[6] ~= '' then redis.call('HSET', KEYS[1], 'forwarded_to', ARGV[6]) end
if ARGV[7] ~= '' then redis.call('HSET', KEYS[1], 'outcome', ARGV[7]) end
if ARGV[5] == 'resolved' then redis.call('ZREM', KEYS[2], ARGV[1]) end
audit(KEYS[3], ARGV[2], ARGV[3], 'report_' .. ARGV[5], status, ARGV[5], ARGV[9])
emit(KEYS[4], 'report', 'board driver:' .. ARGV[9], ARGV[8])
return 'ok'
