-- lost_log.lua: an item found in a car is logged, with its photo if any,
-- in one step: the item, the lists that find it and its record. Boards and
-- the trip's requester are told.
--
-- KEYS[1] the item  [2] every item  [3] unclaimed items  [4] the finder's
--     items  [5] the requester's items (the finder's again when the item
--     names no trip)  [6] its audit  [7] events  [8] its photo
-- ARGV[1] id  [2] now ms  [3] finder (actor)  [4] trip id, or ''
--     [5] requester id, or ''  [6] description  [7] kept at
--     [8] photo type:bytes, or ''  [9] change JSON  [10] the photo, or ''
-- Returns 'ok'.
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'status', 'unclaimed', 'found_by', ARGV[3], 'trip', ARGV[4],
  'requester', ARGV[5], 'description', ARGV[6], 'kept_at', ARGV[7], 'photo', ARGV[8],
  'created', ARGV[2], 'updated', ARGV[2])
if ARGV[8] ~= '' then redis.call('SET', KEYS[8], ARGV[10]) end
for i = 2, 5 do redis.call('ZADD', KEYS[i], ARGV[2], ARGV[1]) end
audit(KEYS[6], ARGV[2], ARGV[3], 'lost_item_logged', nil, 'unclaimed', nil)
local to = 'board'
if ARGV[5] ~= '' then to = to .. ' requester:' .. ARGV[5] end
emit(KEYS[7], 'lost_item', to, ARGV[9])
return 'ok'
