-- Shared helpers, prepended to every script of this package (see scripts.go).
-- Every key a script touches arrives in KEYS and shares the store's hash tag.

-- audit appends one entry to a trip's audit trail. at is the time in
-- milliseconds as the decimal string the caller passed, kept a string so that
-- no Lua number formatting can round it.
local function audit(key, at, actor, action, from, to, driver)
  redis.call('RPUSH', key, cjson.encode({
    at = at, actor = actor, action = action,
    from = from, to = to, driver_id = driver,
  }))
end

-- withdraw removes every outstanding offer of a trip and returns the
-- drivers it was offered to. Drivers' own offer indexes are cleaned lazily.
local function withdraw(offers_key, deadlines_key, trip_id)
  local drivers = redis.call('HKEYS', offers_key)
  for _, d in ipairs(drivers) do
    redis.call('ZREM', deadlines_key, trip_id .. '|' .. d)
  end
  redis.call('DEL', offers_key)
  return drivers
end
