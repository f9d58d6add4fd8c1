-- Records that a job's firings are handled through ARGV[2] (unix seconds),
-- never moving backwards: instances finish firings out of order.
-- KEYS[1] the hash of last firings; ARGV[1] the job name.
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if (not cur) or tonumber(cur) < tonumber(ARGV[2]) then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  return 1
end
return 0
