-- share_revoke.lua: guardian links of a trip revoked, audited in the
-- trip's trail: every link (ARGV[4] 'all') or the one named. The caller
-- read the trip's links and passes each link's key; a link made since is
-- not among them, and the caller reads again.
--
-- KEYS[1] the trip's links  [2] trip audit  [3..] the links (share:<hash>)
-- ARGV[1] now ms  [2] actor  [3] trip status  [4] 'all' or 'one'
--     [5..] the link ids, in the order of KEYS[3..]
-- Returns the number of links revoked, or -1: read again.
local n = #KEYS - 2
if ARGV[4] == 'all' and redis.call('HLEN', KEYS[1]) ~= n then return -1 end
local gone = 0
for i = 1, n do
  gone = gone + redis.call('HDEL', KEYS[1], ARGV[4 + i])
  redis.call('DEL', KEYS[2 + i])
end
if ARGV[4] == 'all' then redis.call('DEL', KEYS[1]) end
if gone > 0 then audit(KEYS[2], ARGV[1], ARGV[2], 'unshared', ARGV[3], ARGV[3], nil) end
return gone
