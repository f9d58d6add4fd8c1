-- withdraw.lua: a driver withdraws from a shift. A confirmed place freed
-- goes to the first on the waiting list, who is told.
--
-- KEYS[1] shift  [2] confirmed  [3] waiting  [4] driver's sign-ups  [5] events
-- ARGV[1] driver id  [2] "campaign|shift"  [3] campaign id  [4] shift id
local d = ARGV[1]
local was = redis.call('ZREM', KEYS[2], d)
local waited = redis.call('ZREM', KEYS[3], d)
if was == 0 and waited == 0 then return {'none'} end
redis.call('SREM', KEYS[4], ARGV[2])
local promoted = ''
local cars = tonumber(redis.call('HGET', KEYS[1], 'cars'))
if was == 1 and redis.call('ZCARD', KEYS[2]) < cars then
  local first = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
  if first[1] then
    redis.call('ZREM', KEYS[3], first[1])
    redis.call('ZADD', KEYS[2], first[2], first[1])
    promoted = first[1]
    emit(KEYS[5], 'signup', 'driver:' .. promoted, cjson.encode({
      campaign_id = ARGV[3], shift_id = ARGV[4], status = 'confirmed', reason = 'place_freed',
    }))
  end
end
emit(KEYS[5], 'shift_fill', 'board', cjson.encode({
  campaign_id = ARGV[3], shift_id = ARGV[4],
  confirmed = redis.call('ZCARD', KEYS[2]), waiting = redis.call('ZCARD', KEYS[3]),
}))
return {'withdrawn', promoted}
