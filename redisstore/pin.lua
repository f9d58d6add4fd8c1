-- pin.lua: one try of a trip's handover PIN, compared by the caller (in
-- constant time, in Go). A wrong PIN counts against the trip and is
-- audited; once ARGV[2] wrong ones fall within the window, every try is
-- refused until the window ends, right or wrong, so that guessing all
-- 10,000 PINs takes days, not seconds. Several tries at once are counted
-- one by one here: no more than the limit is ever compared and let through.
--
-- KEYS[1] the trip's wrong tries  [2] audit  [3] trip
-- ARGV[1] '1' if the PIN matched, else '0'  [2] tries allowed
--     [3] window ms  [4] now ms  [5] actor  [6] driver
-- Returns {'ok'}, {'wrong', tries left} or {'locked', ms until unlocked}.
local tries = tonumber(redis.call('GET', KEYS[1]) or '0')
local limit = tonumber(ARGV[2])
if tries >= limit then
  return {'locked', tostring(redis.call('PTTL', KEYS[1]))}
end
if ARGV[1] == '1' then return {'ok'} end
tries = redis.call('INCR', KEYS[1])
if tries == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
local status = redis.call('HGET', KEYS[3], 'status') or ''
audit(KEYS[2], ARGV[4], ARGV[5], 'pin_refused', status, status, ARGV[6])
return {'wrong', tostring(limit - tries)}
