-- sos_raise.lua: a driver's SOS, raised, or pressed again while open. One
-- SOS per driver is open at a time: pressed again, the open one takes the
-- new position (the app presses it every few seconds to keep the board
-- following the car) and is not raised twice. Boards are told at once with
-- the alarm the caller rendered (ARGV[9]). The caller read the driver's
-- open SOS (ARGV[1], '' for none) and passes its keys and id; if that
-- changed meanwhile, it reads again.
--
-- KEYS[1] driver  [2] open SOS  [3] events  [4] the SOS  [5] its audit
--     [6] the trip's audit (the SOS's audit again when it names no trip)
-- ARGV[1] the open SOS's id, or ''  [2] the SOS's id (the open one's, or
--     a new one)  [3] now ms  [4] lat  [5] lng  [6] trip id, or ''
--     [7] actor  [8] trip status  [9] alarm JSON  [10] driver id
-- Returns 'new', 'again' or 'retry'.
local open = redis.call('HGET', KEYS[1], 'sos') or ''
if open ~= ARGV[1] then return 'retry' end
local kind = 'new'
if open ~= '' then
  kind = 'again'
  redis.call('HSET', KEYS[4], 'lat', ARGV[4], 'lng', ARGV[5], 'updated', ARGV[3])
  if ARGV[6] ~= '' and (redis.call('HGET', KEYS[4], 'trip') or '') == '' then
    redis.call('HSET', KEYS[4], 'trip', ARGV[6])
    audit(KEYS[6], ARGV[3], ARGV[7], 'sos', ARGV[8], ARGV[8], nil)
  end
else
  redis.call('HSET', KEYS[4], 'id', ARGV[2], 'driver', ARGV[10], 'status', 'open',
    'lat', ARGV[4], 'lng', ARGV[5], 'raised', ARGV[3], 'updated', ARGV[3], 'trip', ARGV[6])
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
  redis.call('HSET', KEYS[1], 'sos', ARGV[2])
  audit(KEYS[5], ARGV[3], ARGV[7], 'sos', nil, 'open', ARGV[10])
  if ARGV[6] ~= '' then audit(KEYS[6], ARGV[3], ARGV[7], 'sos', ARGV[8], ARGV[8], ARGV[10]) end
end
emit(KEYS[3], 'sos', 'board', ARGV[9])
return kind
