package redisstore

import (
	"sync"

	"github.com/heartlink/heartlink/dispatch"
)

// routeCache keeps the stops of the routes dispatches decoded, by driver,
// with the stored text they were decoded from: every dispatch that finds
// a driver reads their route, which changes far less often. A hit needs
// the stored text to be the same byte for byte, so the cache never
// answers an older route, whatever happened to the store. The stops it
// gives are shared: a caller must not change them (dispatch's ranking and
// insertion copy a route before they time it).
type routeCache struct {
	mu sync.Mutex
	m  map[string]cachedRoute
}

type cachedRoute struct {
	raw   string
	stops []dispatch.RouteStop
}

// routeCacheMax bounds the drivers remembered; past it the cache starts
// afresh.
const routeCacheMax = 1 << 16

// stops decodes raw, the stored route_stops of driverID, or returns what
// decoding the same text gave before.
func (c *routeCache) stops(driverID, raw string) ([]dispatch.RouteStop, error) {
	if raw == "" {
		return nil, nil
	}
	c.mu.Lock()
	e, ok := c.m[driverID]
	c.mu.Unlock()
	if ok && e.raw == raw {
		return e.stops, nil
	}
	stops, err := decodeStops(raw)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= routeCacheMax {
		c.m = make(map[string]cachedRoute)
	}
	c.m[driverID] = cachedRoute{raw: raw, stops: stops}
	c.mu.Unlock()
	return stops, nil
}
