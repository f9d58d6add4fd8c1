package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/heartlink/heartlink/dispatch"
	"github.com/heartlink/heartlink/httpapi"
	"github.com/heartlink/heartlink/realtime"
)

// config is every setting, read once from flags with environment fallbacks.
// The README's settings table lists the same.
type config struct {
	Addr     string
	RedisURL string
	// RedisCluster are the seed nodes of a Redis Cluster (host:port, or a
	// redis:// URL with addr= parameters for more), instead of RedisURL.
	RedisCluster []string
	// RedisTimeout bounds each call to Redis, so that a frozen store fails
	// requests fast (503) instead of holding them.
	RedisTimeout time.Duration
	Prefix       string
	AdminToken   string
	Tick         time.Duration
	PlanEvery    time.Duration
	LogLevel     slog.Level
	Policy       dispatch.Policy
	Limits       httpapi.Limits
	MaxBodySize  int64
	MaxPhotoSize int64
	// PublicURL is where browsers reach the service, for guardian links.
	PublicURL string

	// RedisWait is how long start-up keeps trying a store that is not
	// ready (refused, loading, slow, a replica); zero tries once.
	RedisWait time.Duration
	// RedisCheck is how often the store's role, durability and fleet
	// epoch are checked.
	RedisCheck time.Duration

	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed for the per-address limit.
	TrustedProxies []netip.Prefix
	// WriteTimeout bounds each HTTP answer (not the websockets, which set
	// a deadline per frame), so that a client that never reads cannot hold
	// an answer in memory.
	WriteTimeout time.Duration

	// The live channels.
	Origins      []string
	History      int
	LocationRate int
	FrameRate    int
	PerAccount   int
	BoardQueue   int
	// BoardLinger is how long a frame for a board waits for those after
	// it, to go out in one write; 0: none.
	BoardLinger time.Duration
	// LiveWriteTimeout bounds each write to a websocket, the close frame
	// of a slow client's included.
	LiveWriteTimeout time.Duration
	// DebugAddr serves net/http/pprof when set; keep it off the public network.
	DebugAddr string
	// Demo seeds a city and plays ~200 volunteers against the service.
	Demo bool
}

// embedded reports whether the service runs on the embedded in-memory
// store, which keeps nothing: no Redis is configured.
func (c config) embedded() bool { return c.RedisURL == "" && len(c.RedisCluster) == 0 }

// usage heads -h: the two ways to run the command, then every flag.
const usage = `usage:
  heartlink [flags]                       serve the API, the pages and the live channels
  heartlink plan -in X.json -out Y.json   plan an exam morning (heartlink plan -h lists its flags)

Every flag has an environment fallback (see the README's settings); the flag wins.

flags:
`

func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	c := config{Policy: dispatch.DefaultPolicy()}
	fs := flag.NewFlagSet("heartlink", flag.ContinueOnError)
	fs.SetOutput(stderr)
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	var errs []error
	envDur := func(name string, def time.Duration) time.Duration {
		v := getenv(name)
		if v == "" {
			return def
		}
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("%s=%q: want a positive duration such as 30s", name, v))
			return def
		}
		return d
	}
	// envWait is envDur where zero is a setting too.
	envWait := func(name string, def time.Duration) time.Duration {
		if d, err := time.ParseDuration(getenv(name)); err == nil && d == 0 {
			return 0
		}
		return envDur(name, def)
	}
	envFloat := func(name string, def float64) float64 {
		v := getenv(name)
		if v == "" {
			return def
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= 0 {
			errs = append(errs, fmt.Errorf("%s=%q: want a positive number", name, v))
			return def
		}
		return f
	}
	envInt := func(name string, def int) int {
		v := getenv(name)
		if v == "" {
			return def
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			errs = append(errs, fmt.Errorf("%s=%q: want a whole number", name, v))
			return def
		}
		return n
	}
	p := &c.Policy
	fs.StringVar(&c.Addr, "addr", env("HEARTLINK_ADDR", ":8080"), "listen address")
	fs.StringVar(&c.RedisURL, "redis", getenv("REDIS_URL"), "Redis URL (redis://host:6379/0); empty runs on an embedded in-memory store")
	cluster := fs.String("redis-cluster", getenv("HEARTLINK_REDIS_CLUSTER"), "Redis Cluster seed nodes, host:port[,host:port...] (or redis://[user:pass@]host:port?addr=host:port...), instead of -redis")
	fs.DurationVar(&c.RedisTimeout, "redis-timeout", envDur("HEARTLINK_REDIS_TIMEOUT", time.Second), "longest one call to Redis may take before the request fails with 503")
	fs.StringVar(&c.Prefix, "redis-prefix", env("HEARTLINK_REDIS_PREFIX", "hl"), "key prefix, also the Redis Cluster hash tag")
	fs.DurationVar(&c.RedisWait, "redis-wait", envWait("HEARTLINK_REDIS_WAIT", time.Minute), "how long start-up keeps trying a Redis that refuses, times out, is loading its data or is a replica, before giving up (0: try once)")
	fs.DurationVar(&c.RedisCheck, "redis-check", envDur("HEARTLINK_REDIS_CHECK", 2*time.Second), "how often Redis's role, durability and the fleet's epoch are checked")
	fs.DurationVar(&c.Tick, "tick", envDur("HEARTLINK_TICK", 200*time.Millisecond), "how often the queue and offer expiries are worked")
	level := fs.String("log-level", env("HEARTLINK_LOG_LEVEL", "info"), "debug, info, warn or error")
	fs.DurationVar(&p.OfferTTL, "offer-ttl", envDur("HEARTLINK_OFFER_TTL", p.OfferTTL), "how long a driver has to answer an offer")
	fs.IntVar(&p.OffersAtOnce, "offers-at-once", envInt("HEARTLINK_OFFERS_AT_ONCE", p.OffersAtOnce), "drivers offered a trip at the same time")
	fs.Float64Var(&p.RadiusStartKm, "radius-start-km", envFloat("HEARTLINK_RADIUS_START_KM", p.RadiusStartKm), "first search radius around a pickup")
	fs.Float64Var(&p.RadiusMaxKm, "radius-max-km", envFloat("HEARTLINK_RADIUS_MAX_KM", p.RadiusMaxKm), "largest search radius")
	fs.Float64Var(&p.Travel.Detour, "detour", envFloat("HEARTLINK_DETOUR", p.Travel.Detour), "road distance / straight-line distance")
	fs.Float64Var(&p.Travel.SpeedKmh, "speed-kmh", envFloat("HEARTLINK_SPEED_KMH", p.Travel.SpeedKmh), "average city driving speed")
	fs.DurationVar(&p.Margin, "arrive-margin", envDur("HEARTLINK_ARRIVE_MARGIN", p.Margin), "how long before arrive_by a rider is dropped off")
	fs.DurationVar(&p.Horizon, "plan-horizon", envDur("HEARTLINK_PLAN_HORIZON", p.Horizon), "trips further ahead than this are planned in batches over available drivers (0: offer every trip at once)")
	fs.DurationVar(&p.LeadTime, "route-lead-time", envDur("HEARTLINK_ROUTE_LEAD_TIME", p.LeadTime), "how long before its first pick-up a planned route is offered to its driver")
	fs.DurationVar(&p.RescueLead, "rescue-lead", envDur("HEARTLINK_RESCUE_LEAD", p.RescueLead), "how long before its latest safe pick-up a silent driver's trip is taken back and offered again")
	fs.DurationVar(&p.RouteTTL, "route-ttl", envDur("HEARTLINK_ROUTE_TTL", p.RouteTTL), "how long a driver has to confirm a route offered whole")
	fs.DurationVar(&c.PlanEvery, "plan-every", envDur("HEARTLINK_PLAN_EVERY", 30*time.Second), "how often the rolling plan of advance trips is made again")
	fs.DurationVar(&p.Reserve, "route-reserve", envDur("HEARTLINK_ROUTE_RESERVE", p.Reserve), "slack a route keeps when it times its pick-ups")
	fs.Float64Var(&p.FairnessKm, "fairness-km", envFloat("HEARTLINK_FAIRNESS_KM", p.FairnessKm), "extra km one recent trip weighs in ranking")
	fs.DurationVar(&p.PresenceTTL, "presence-ttl", envDur("HEARTLINK_PRESENCE_TTL", p.PresenceTTL), "an online driver silent this long gets no offers")
	fs.DurationVar(&p.Lease, "lease", envDur("HEARTLINK_LEASE", p.Lease), "how long a dispatcher holds a queued trip before another instance may")
	fs.DurationVar(&p.RetryAfter, "retry-after", envDur("HEARTLINK_RETRY_AFTER", p.RetryAfter), "when a trip that found nobody is searched again")
	fs.DurationVar(&p.RiderRetention, "rider-retention", envDur("HEARTLINK_RIDER_RETENTION", p.RiderRetention), "how long after a trip's arrive_by its riders' names, phones and addresses are kept")
	fs.IntVar(&c.Limits.PerAddress, "rate-per-address", envInt("HEARTLINK_RATE_PER_ADDRESS", 100), "requests per second per client address (0: off)")
	fs.IntVar(&c.Limits.PerToken, "rate-per-token", envInt("HEARTLINK_RATE_PER_TOKEN", 20), "requests per second per caller (0: off)")
	fs.IntVar(&c.Limits.PerAddressShared, "rate-shared", envInt("HEARTLINK_RATE_SHARED", 2), "guardian link reads per second per client address, burst five times that (0: off)")
	fs.DurationVar(&p.Share.Grace, "share-grace", envDur("HEARTLINK_SHARE_GRACE", p.Share.Grace), "how long after its trip ends a guardian link still answers (0: it stops at the end)")
	fs.DurationVar(&p.Share.MaxAge, "share-max-age", envDur("HEARTLINK_SHARE_MAX_AGE", p.Share.MaxAge), "the longest a guardian link lives from its making")
	fs.StringVar(&c.PublicURL, "public-url", getenv("HEARTLINK_PUBLIC_URL"), "where browsers reach the service, e.g. https://heartlink.example.org, for the guardian links it hands out (empty: the address each request came to)")
	fs.Int64Var(&c.MaxBodySize, "max-body", int64(envInt("HEARTLINK_MAX_BODY", 64<<10)), "largest request body in bytes")
	fs.Int64Var(&c.MaxPhotoSize, "max-photo", int64(envInt("HEARTLINK_MAX_PHOTO", 5<<20)), "largest photo of a report in bytes, as uploaded (a report takes three)")
	fs.DurationVar(&c.WriteTimeout, "write-timeout", envDur("HEARTLINK_WRITE_TIMEOUT", time.Minute), "longest an HTTP request may take to be answered, handling and writing (not the websockets)")
	proxies := fs.String("trusted-proxies", getenv("HEARTLINK_TRUSTED_PROXIES"), "reverse proxies (CIDRs or addresses, comma-separated) whose X-Forwarded-For is believed for the per-address limit; empty: none")
	origins := fs.String("ws-origins", getenv("HEARTLINK_WS_ORIGINS"), "browser origins allowed on the websockets besides the server's own, comma-separated")
	fs.IntVar(&c.History, "event-history", envInt("HEARTLINK_EVENT_HISTORY", 20000), "changes kept in Redis for clients that reconnect")
	envBool := func(name string, def bool) bool {
		v := getenv(name)
		if v == "" {
			return def
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s=%q: want true or false", name, v))
			return def
		}
		return b
	}
	fs.BoolVar(&p.Handover.PIN, "handover-pin", envBool("HEARTLINK_HANDOVER_PIN", p.Handover.PIN), "picked_up needs the rider's PIN, and so does completed where minors ride (false: drivers report both alone, as before PINs)")
	arriveM := fs.Float64("arrive-within-m", float64(envInt("HEARTLINK_ARRIVE_WITHIN_M", int(p.Handover.ArriveWithinKm*1000))), "arrived is refused from a driver whose fresh live position is further than this many metres from the pick-up (0: not checked)")
	fs.BoolVar(&c.Demo, "demo", getenv("HEARTLINK_DEMO") == "1", "seed a Yingtan-like city and run ~200 simulated volunteers as real clients")
	fs.StringVar(&c.DebugAddr, "debug-addr", getenv("HEARTLINK_DEBUG_ADDR"), "serve Go profiles (net/http/pprof) here, e.g. 127.0.0.1:6060; empty: off")
	fs.IntVar(&c.BoardQueue, "board-queue", envInt("HEARTLINK_BOARD_QUEUE", 16384), "frames a board's websocket may hold back before it counts as slow")
	fs.DurationVar(&c.BoardLinger, "board-linger", envDur("HEARTLINK_BOARD_LINGER", httpapi.DefaultBoardLinger), "how long a frame for a board's websocket may wait for the frames after it, so that they go out in one write (0: none)")
	fs.DurationVar(&c.LiveWriteTimeout, "live-write-timeout", envDur("HEARTLINK_LIVE_WRITE_TIMEOUT", realtime.DefaultWriteTimeout), "longest one write to a websocket may wait for a client that does not read; a client cut off as slow gets its close code (4008) only if it reads again within this")
	fs.IntVar(&c.LocationRate, "location-rate", envInt("HEARTLINK_LOCATION_RATE", 1), "location updates per second a driver may send")
	fs.IntVar(&c.FrameRate, "frame-rate", envInt("HEARTLINK_FRAME_RATE", httpapi.DefaultFrameRate), "frames per second of any other type a live socket may send")
	fs.IntVar(&c.PerAccount, "ws-per-account", envInt("HEARTLINK_WS_PER_ACCOUNT", httpapi.DefaultPerAccount), "live sockets one driver or requester may hold at once, coordinators ten times that (0: no limit)")
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if err := errors.Join(errs...); err != nil {
		return c, err
	}
	for _, o := range strings.Split(*origins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			c.Origins = append(c.Origins, o)
		}
	}
	for _, p := range strings.Split(*proxies, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		prefix, err := parsePrefix(p)
		if err != nil {
			return c, fmt.Errorf("-trusted-proxies %q: want CIDRs or addresses such as 10.0.0.0/8,192.0.2.7", p)
		}
		c.TrustedProxies = append(c.TrustedProxies, prefix)
	}
	if c.History < 100 {
		return c, errors.New("-event-history must be at least 100")
	}
	if *arriveM < 0 {
		return c, errors.New("-arrive-within-m must not be negative")
	}
	if c.MaxBodySize <= 0 || c.MaxPhotoSize <= 0 {
		return c, errors.New("-max-body and -max-photo must be positive")
	}
	p.Handover.ArriveWithinKm = *arriveM / 1000
	c.Limits.PerAddressBurst = 2 * c.Limits.PerAddress
	c.Limits.PerTokenBurst = 2 * c.Limits.PerToken
	c.Limits.PerAddressSharedBurst = 5 * c.Limits.PerAddressShared
	if p.Share.Grace < 0 || p.Share.MaxAge <= 0 {
		return c, errors.New("-share-grace must not be negative and -share-max-age must be positive")
	}
	if u := c.PublicURL; u != "" && !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
		return c, fmt.Errorf("-public-url %q: want an http:// or https:// URL", u)
	}
	c.AdminToken = getenv("HEARTLINK_ADMIN_TOKEN")
	if c.AdminToken != "" && len(c.AdminToken) < 16 {
		return c, errors.New("HEARTLINK_ADMIN_TOKEN must be at least 16 characters")
	}
	for a := range strings.SplitSeq(*cluster, ",") {
		if a = strings.TrimSpace(a); a != "" {
			c.RedisCluster = append(c.RedisCluster, a)
		}
	}
	if len(c.RedisCluster) > 0 && c.RedisURL != "" {
		return c, errors.New("-redis and -redis-cluster (or REDIS_URL and HEARTLINK_REDIS_CLUSTER) are both set: choose one")
	}
	if err := c.LogLevel.UnmarshalText([]byte(*level)); err != nil {
		return c, fmt.Errorf("-log-level %q: %w", *level, err)
	}
	switch {
	case p.OfferTTL <= 0:
		return c, errors.New("-offer-ttl must be positive")
	case p.OffersAtOnce < 1:
		return c, errors.New("-offers-at-once must be at least 1")
	case p.RadiusStartKm <= 0 || p.RadiusMaxKm < p.RadiusStartKm:
		return c, errors.New("-radius-start-km must be positive and at most -radius-max-km")
	case p.Travel.Detour < 1 || p.Travel.SpeedKmh <= 0:
		return c, errors.New("-detour must be at least 1 and -speed-kmh positive")
	case c.Tick <= 0:
		return c, errors.New("-tick must be positive")
	case c.RedisTimeout <= 0:
		return c, errors.New("-redis-timeout must be positive")
	case c.RedisWait < 0 || c.RedisCheck <= 0:
		return c, errors.New("-redis-wait must not be negative, -redis-check must be positive")
	case p.RiderRetention < p.ContactGrace:
		return c, fmt.Errorf("-rider-retention must be at least %s: a driver sees the riders' contact that long after a trip", p.ContactGrace)
	case p.Margin < 0 || p.Reserve < 0:
		return c, errors.New("-arrive-margin and -route-reserve must not be negative")
	case p.Horizon < 0 || p.LeadTime < 0 || p.RouteTTL <= 0 || c.PlanEvery <= 0 || p.RescueLead < 0:
		return c, errors.New("-plan-horizon, -route-lead-time and -rescue-lead must not be negative, -route-ttl and -plan-every must be positive")
	}
	return c, nil
}

// parsePrefix reads a CIDR, or an address as the prefix of itself alone.
func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}
