-- report_file.lua: a driver files a report with its photos, in one step:
-- the report, its photos, the lists that find it and its record; boards
-- are told at once.
--
-- KEYS[1] the report  [2] every report  [3] unresolved reports
--     [4] the driver's reports  [5] its audit  [6] events
--     [7..] its photos, one key each, in order
-- ARGV[1] id  [2] now ms  [3] driver id  [4] actor  [5] kind  [6] lat
--     [7] lng  [8] note  [9] photo types, comma-separated ('' for none)
--     [10] change JSON  [11..] the photos, as KEYS[7..]
-- Returns 'ok'.
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'driver', ARGV[3], 'kind', ARGV[5], 'status', 'open',
  'lat', ARGV[6], 'lng', ARGV[7], 'note', ARGV[8], 'photos', ARGV[9], 'created', ARGV[2], 'updated', ARGV[2])
for i = 7, #KEYS do
  redis.call('SET', KEYS[i], ARGV[i + 4])
end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
redis.call('ZADD', KEYS[4], ARGV[2], ARGV[1])
audit(KEYS[5], ARGV[2], ARGV[4], 'reported', nil, 'open', ARGV[3])
emit(KEYS[6], 'report', 'board', ARGV[10])
return 'ok'
