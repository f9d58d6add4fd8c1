-- answer.lua: a driver declines an offer, or the offer expires. When no
-- offer of the trip is left outstanding the trip goes back to the queue,
-- leased to the caller, who searches for the next candidates at once; if the
-- caller dies the lease runs out and any instance's queue worker takes over.
-- An expiry is handled once however many instances see it: only the caller
-- that removes the deadline entry goes on.
--
-- KEYS[1] trip  [2] trip offers  [3] driver offers  [4] deadlines  [5] audit
--     [6] queue  [7] events  [8] trip proposals
--     [9] trip tried  [10] the live request's reply mark, if it is one
--     (see reserve_reply)
-- ARGV[1] trip id  [2] driver id  [3] now ms  [4] action: declined | expired
--     [5] actor  [6] lease until ms  [7] the reply mark's life in ms
local id, d, now, action = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
if not reserve_reply(KEYS[10], ARGV[7]) then return {'repeat'} end
local member = id .. '|' .. d
if action == 'expired' then
  if redis.call('ZREM', KEYS[4], member) == 0 then return {'gone'} end
  withdrawn_event(KEYS[7], id, {d}, 'expired')
else
  local exp = redis.call('HGET', KEYS[2], d)
  if not exp or tonumber(exp) <= now then return {'no_offer'} end
  redis.call('ZREM', KEYS[4], member)
end
redis.call('HDEL', KEYS[2], d)
redis.call('HDEL', KEYS[8], d)
redis.call('ZREM', KEYS[3], id)

local st = redis.call('HMGET', KEYS[1], 'status', 'version', 'requester')
if st[1] ~= 'offered' then return {'done', st[1] or 'missing'} end
audit(KEYS[5], ARGV[3], ARGV[5], action, 'offered', 'offered', d)
if redis.call('HLEN', KEYS[2]) > 0 then return {'waiting'} end

local v = tonumber(st[2]) + 1
redis.call('HSET', KEYS[1], 'status', 'queued', 'version', v, 'updated', ARGV[3])
redis.call('ZADD', KEYS[6], ARGV[6], id)
audit(KEYS[5], ARGV[3], 'system', 'requeued', 'offered', 'queued')
trip_event(KEYS[7], id, 'requeued', 'queued', v, st[3])
-- The caller searches for the next candidates at once: it gets the trip and
-- who was asked already here, not in a round trip of its own.
local tried = redis.call('SMEMBERS', KEYS[9])
local out = {'requeued', tostring(v), tostring(#tried)}
for _, t in ipairs(tried) do out[#out + 1] = t end
for _, f in ipairs(redis.call('HGETALL', KEYS[1])) do out[#out + 1] = f end
return out
