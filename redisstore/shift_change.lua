-- shift_change.lua: a coordinator adds or edits a shift, in one atomic step
-- with its sign-ups. The campaign is written only if it is still as the
-- caller read it (and the shift's plan too), so that a concurrent change is
-- read again rather than overwritten. Then the shift's cars are set and its
-- sign-ups follow: fewer cars move the last confirmed (the latest to sign
-- up) to the head of the waiting list, in sign-up order; more cars confirm
-- the first waiting, in order. Each driver moved is told.
--
-- KEYS[1] campaign  [2] shift  [3] confirmed  [4] waiting  [5] events  [6] plan
--      [7..] the plan's routes
-- ARGV[1] the campaign as read  [2] the campaign as it becomes  [3] cars
--      [4] campaign id  [5] shift id  [6] the plan as read ('' for none)
--      [7] '1' when the shift moves (another date, time or area): refused
--          while a route of its plan is out to its driver
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {'changed'} end
if (redis.call('GET', KEYS[6]) or '') ~= ARGV[6] then return {'changed'} end
if ARGV[7] == '1' then
  for i = 7, #KEYS do
    local st = redis.call('HGET', KEYS[i], 'status')
    if st == 'offered' or st == 'confirmed' then return {'planned', i - 6, st} end
  end
end
redis.call('SET', KEYS[1], ARGV[2])
local cars = tonumber(ARGV[3])
redis.call('HSET', KEYS[2], 'cars', cars)

local function tell(d, status, pos, reason)
  emit(KEYS[5], 'signup', 'driver:' .. d, cjson.encode({
    campaign_id = ARGV[4], shift_id = ARGV[5], status = status, position = pos, reason = reason,
  }))
end

local n = redis.call('ZCARD', KEYS[3])
local promoted, demoted = 0, 0
if n > cars then
  -- The latest confirmed, in sign-up order. Their own sign-up numbers put
  -- them ahead of everyone waiting (who signed up after them); should the
  -- numbers say otherwise, they go just before the head.
  local last = redis.call('ZRANGE', KEYS[3], cars, -1, 'WITHSCORES')
  demoted = #last / 2
  local head = redis.call('ZRANGE', KEYS[4], 0, 0, 'WITHSCORES')
  local base
  if head[1] and tonumber(last[#last]) >= tonumber(head[2]) then base = tonumber(head[2]) - demoted end
  for i = 1, demoted do
    local d, score = last[2 * i - 1], last[2 * i]
    if base then score = base + i - 1 end
    redis.call('ZREM', KEYS[3], d)
    redis.call('ZADD', KEYS[4], score, d)
    tell(d, 'waiting', i, 'shift_shrunk')
  end
elseif n < cars then
  local first = redis.call('ZRANGE', KEYS[4], 0, cars - n - 1, 'WITHSCORES')
  promoted = #first / 2
  for i = 1, promoted do
    local d, score = first[2 * i - 1], first[2 * i]
    redis.call('ZREM', KEYS[4], d)
    redis.call('ZADD', KEYS[3], score, d)
    tell(d, 'confirmed', nil, 'shift_grown')
  end
end
local confirmed, waiting = redis.call('ZCARD', KEYS[3]), redis.call('ZCARD', KEYS[4])
emit(KEYS[5], 'shift_fill', 'board', cjson.encode({
  campaign_id = ARGV[4], shift_id = ARGV[5], confirmed = confirmed, waiting = waiting,
}))
return {'ok', confirmed, waiting, promoted, demoted}
