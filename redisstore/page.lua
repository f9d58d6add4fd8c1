-- page.lua: one page of a sorted set in (score, member) order, from just
-- after a cursor, read in one step so that no change in between can shift
-- it: a member that was there before and is there after is never skipped
-- or repeated, whatever is added or removed meanwhile.
--
-- KEYS[1] the sorted set
-- ARGV[1] 'asc' or 'desc'  [2] the cursor's score ('' for the first page)
--     [3] the cursor's member  [4] asc only: the least score kept ('' none)
--     [5] how many members to return (0: every one left)
-- Returns member, score, member, score, ...
-- less compares byte by byte, as Redis orders members of equal score
-- (Lua's own < follows the server's locale).
local function less(a, b)
  for i = 1, math.min(#a, #b) do
    local x, y = a:byte(i), b:byte(i)
    if x ~= y then return x < y end
  end
  return #a < #b
end

local key, desc, cs, cm, count = KEYS[1], ARGV[1] == 'desc', ARGV[2], ARGV[3], tonumber(ARGV[5])
local start = 0
if cs ~= '' then
  local sc = redis.call('ZSCORE', key, cm)
  if sc and tonumber(sc) == tonumber(cs) then
    if desc then start = redis.call('ZREVRANK', key, cm) + 1 else start = redis.call('ZRANK', key, cm) + 1 end
  else
    -- The cursor's member left the set: count what sorts before it.
    local ties = redis.call('ZRANGEBYSCORE', key, cs, cs)
    local before = 0
    for _, m in ipairs(ties) do
      if (desc and less(cm, m)) or (not desc and less(m, cm)) then before = before + 1 end
    end
    if desc then
      start = redis.call('ZCOUNT', key, '(' .. cs, '+inf') + before
    else
      start = redis.call('ZCOUNT', key, '-inf', '(' .. cs) + before
    end
  end
end
if not desc and ARGV[4] ~= '' then
  start = math.max(start, redis.call('ZCOUNT', key, '-inf', '(' .. ARGV[4]))
end
local stop = start + count - 1
if count <= 0 then stop = -1 end
if desc then
  return redis.call('ZREVRANGE', key, start, stop, 'WITHSCORES')
end
return redis.call('ZRANGE', key, start, stop, 'WITHSCORES')
