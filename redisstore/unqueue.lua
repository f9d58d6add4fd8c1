-- unqueue.lua: drop a trip from the assignment queue unless it is queued:
-- a worker holding a stale entry must not remove one that a concurrent
-- requeue (decline, expiry, release) has just written.
--
-- KEYS[1] trip  [2] queue
-- ARGV[1] trip id
if redis.call('HGET', KEYS[1], 'status') == 'queued' then return 0 end
return redis.call('ZREM', KEYS[2], ARGV[1])
