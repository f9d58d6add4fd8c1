-- Reserves an Idempotency-Key for one request, or says why not.
-- KEYS[1] the key's record (a hash).
-- ARGV: fingerprint, owner, now (ms), lease (ms), ttl (ms).
-- Returns {"run"}, {"mismatch"}, {"busy"}, {"done", status, location, body}
-- or {"created", ref}: the request that held the key committed what it
-- created (ref) and never answered; the caller answers from ref.
local rec = KEYS[1]
local fp, owner, now, lease, ttl = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local cur = redis.call('HMGET', rec, 'fp', 'state', 'until', 'ref', 'status', 'location', 'body')
if not cur[1] then
  redis.call('HSET', rec, 'fp', fp, 'state', 'pending', 'owner', owner, 'until', now + lease)
  redis.call('PEXPIRE', rec, ttl)
  return {'run'}
end
if cur[1] ~= fp then
  return {'mismatch'}
end
if cur[2] == 'done' then
  return {'done', cur[5], cur[6] or '', cur[7] or ''}
end
if tonumber(cur[3] or '0') > now then
  return {'busy'}
end
-- The holder's lease ran out: it died, or froze. The key is this request's.
redis.call('HSET', rec, 'owner', owner, 'until', now + lease)
if cur[4] then
  return {'created', cur[4]}
end
return {'run'}
