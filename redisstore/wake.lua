-- wake.lua: a driver was freed (they came online): the trips waiting
-- nearest them because nobody could take them are searched again now, not
-- at their retry (see wake_waiting in lib.lua; transition.lua does the
-- same for a trip that ends or leaves a route).
--
-- KEYS[1] waiting trips (geo)  [2] queue  [3] the driver's hash
--     [4] the count of drivers freed
-- ARGV[1] radius km  [2] how many at most  [3] now ms
-- Returns how many trips were brought forward.
return wake_waiting(KEYS[1], KEYS[2], KEYS[3], KEYS[4], ARGV[1], ARGV[2], ARGV[3])
