-- shift_remove.lua: a coordinator removes a shift, in one atomic step with
-- its sign-ups: every one, confirmed and waiting, is released and its
-- driver told. Refused while a route of the shift's plan is out to its
-- driver (offered or confirmed); a draft plan goes with the shift. As in
-- shift_change.lua, the campaign and plan must still be as the caller read
-- them.
--
-- KEYS[1] campaign  [2] shift  [3] confirmed  [4] waiting  [5] events  [6] plan
--      [7..6+R] the plan's routes  [7+R..] the sign-up sets of the drivers
--      the caller found signed up
-- ARGV[1] the campaign as read  [2] the campaign as it becomes
--      [3] campaign id  [4] shift id  [5] "campaign|shift"
--      [6] the plan as read ('' for none)  [7] R  [8] '1' to go ahead even
--      if someone signed up since the caller looked (their sign-up sets keep
--      a stale entry, which reads skip)  [9..] the drivers of KEYS[7+R..]
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {'changed'} end
if (redis.call('GET', KEYS[6]) or '') ~= ARGV[6] then return {'changed'} end
local r = tonumber(ARGV[7])
for i = 7, 6 + r do
  local st = redis.call('HGET', KEYS[i], 'status')
  if st == 'offered' or st == 'confirmed' then return {'planned', i - 6, st} end
end
local confirmed = redis.call('ZRANGE', KEYS[3], 0, -1)
local waiting = redis.call('ZRANGE', KEYS[4], 0, -1)
if ARGV[8] ~= '1' then
  local known = {}
  for i = 9, #ARGV do known[ARGV[i]] = true end
  for _, list in ipairs({confirmed, waiting}) do
    for _, d in ipairs(list) do
      if not known[d] then return {'moved'} end
    end
  end
end
for i = 7 + r, #KEYS do redis.call('SREM', KEYS[i], ARGV[5]) end
for i = 7, 6 + r do
  if redis.call('HGET', KEYS[i], 'status') == 'draft' then redis.call('DEL', KEYS[i]) end
end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[6])
for _, list in ipairs({confirmed, waiting}) do
  for _, d in ipairs(list) do
    emit(KEYS[5], 'signup', 'driver:' .. d, cjson.encode({
      campaign_id = ARGV[3], shift_id = ARGV[4], status = 'released', reason = 'shift_removed',
    }))
  end
end
emit(KEYS[5], 'shift_fill', 'board', cjson.encode({
  campaign_id = ARGV[3], shift_id = ARGV[4], confirmed = 0, waiting = 0, removed = true,
}))
return {'removed', confirmed, waiting}
