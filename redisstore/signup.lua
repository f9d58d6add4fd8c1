-- signup.lua: a driver signs up for a shift, in one atomic step: confirmed
-- while the shift has room, else onto the end of its waiting list. Never
-- more confirmed than cars_needed, however many sign up at once; signing up
-- twice changes nothing and answers the same.
--
-- KEYS[1] shift  [2] confirmed  [3] waiting  [4] driver's sign-ups  [5] events
-- ARGV[1] driver id  [2] "campaign|shift"  [3] campaign id  [4] shift id
local d = ARGV[1]
if redis.call('ZSCORE', KEYS[2], d) then return {'confirmed', 0} end
local w = redis.call('ZRANK', KEYS[3], d)
if w then return {'waiting', w + 1} end
local cars = tonumber(redis.call('HGET', KEYS[1], 'cars'))
if not cars then return {'missing', 0} end
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
redis.call('SADD', KEYS[4], ARGV[2])
local status, pos = 'confirmed', 0
if redis.call('ZCARD', KEYS[2]) < cars then
  redis.call('ZADD', KEYS[2], seq, d)
else
  redis.call('ZADD', KEYS[3], seq, d)
  status, pos = 'waiting', redis.call('ZCARD', KEYS[3])
end
emit(KEYS[5], 'shift_fill', 'board', cjson.encode({
  campaign_id = ARGV[3], shift_id = ARGV[4],
  confirmed = redis.call('ZCARD', KEYS[2]), waiting = redis.call('ZCARD', KEYS[3]),
}))
return {status, pos}
