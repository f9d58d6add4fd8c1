-- lease.lua: take up to ARGV[3] trips that are due in the assignment queue,
-- leasing each until ARGV[2] so that no other instance works it meanwhile.
--
-- KEYS[1] queue
-- ARGV[1] now ms  [2] lease until ms  [3] limit
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
for _, id in ipairs(due) do
  redis.call('ZADD', KEYS[1], 'XX', ARGV[2], id)
end
return due
