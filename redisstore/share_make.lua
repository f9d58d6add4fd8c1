-- share_make.lua: a new guardian link to a trip, audited in the trip's
-- trail. The link is keyed by its token's hash and lives until ARGV[6]
-- (the trip's links until their last); a trip keeps at most ARGV[9].
--
-- KEYS[1] the link (share:<hash>)  [2] the trip's links  [3] trip audit
-- ARGV[1] link id  [2] token hash  [3] trip id  [4] actor  [5] now ms
--     [6] expires ms  [7] ttl ms  [8] trip status  [9] most links
-- Returns 'ok', or 'full'.
if redis.call('HLEN', KEYS[2]) >= tonumber(ARGV[9]) then return 'full' end
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'trip', ARGV[3], 'by', ARGV[4], 'created', ARGV[5], 'expires', ARGV[6])
redis.call('PEXPIRE', KEYS[1], ARGV[7])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[7]) then redis.call('PEXPIRE', KEYS[2], ARGV[7]) end
audit(KEYS[3], ARGV[5], ARGV[4], 'shared', ARGV[8], ARGV[8], nil)
return 'ok'
