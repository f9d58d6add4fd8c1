-- lost_return.lua: an unclaimed item is handed back to its owner. Boards,
-- its finder (a driver) and the trip's requester are told.
--
-- KEYS[1] the item  [2] unclaimed items  [3] its audit  [4] events
-- ARGV[1] id  [2] now ms  [3] actor  [4] to  [5] where  [6] confirmed by
--     [7] change JSON  [8] audiences besides the board ('' for none)
-- Returns 'ok', 'missing' or 'returned' (already).
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return 'missing' end
if status ~= 'unclaimed' then return status end
redis.call('HSET', KEYS[1], 'status', 'returned', 'updated', ARGV[2], 'returned_to', ARGV[4],
  'returned_where', ARGV[5], 'returned_at', ARGV[2], 'returned_by', ARGV[3], 'confirmed_by', ARGV[6])
redis.call('ZREM', KEYS[2], ARGV[1])
audit(KEYS[3], ARGV[2], ARGV[3], 'lost_item_returned', 'unclaimed', 'returned', nil)
local to = 'board'
if ARGV[8] ~= '' then to = to .. ' ' .. ARGV[8] end
emit(KEYS[4], 'lost_item', to, ARGV[7])
return 'ok'
