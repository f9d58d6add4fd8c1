-- Renews, completes or releases an Idempotency-Key held by owner; a key
-- another request has taken over (this one's lease ran out) is left alone.
-- KEYS[1] the key's record.
-- ARGV: owner, mode ("renew", "done" or "release"), now (ms), lease (ms),
-- ttl (ms), and for "done" the answer's status, location and body.
local rec = KEYS[1]
local owner, mode = ARGV[1], ARGV[2]
if redis.call('HGET', rec, 'owner') ~= owner or redis.call('HGET', rec, 'state') ~= 'pending' then
  return 0
end
if mode == 'renew' then
  redis.call('HSET', rec, 'until', tonumber(ARGV[3]) + tonumber(ARGV[4]))
elseif mode == 'done' then
  redis.call('HSET', rec, 'state', 'done', 'status', ARGV[6], 'location', ARGV[7], 'body', ARGV[8])
  redis.call('HDEL', rec, 'owner', 'until')
  redis.call('PEXPIRE', rec, tonumber(ARGV[5]))
elseif redis.call('HEXISTS', rec, 'ref') == 1 then
  -- Released after it created something: the next request with the key
  -- answers from that rather than create it again.
  redis.call('HSET', rec, 'until', 0)
else
  redis.call('DEL', rec)
end
return 1
