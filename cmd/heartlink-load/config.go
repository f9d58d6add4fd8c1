package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// config is every setting, read once from flags (the admin token also from
// HEARTLINK_ADMIN_TOKEN).
type config struct {
	Base       *url.URL
	AdminToken string

	Drivers    int
	Boards     int
	Requesters int

	Rate           float64       // trips requested per second
	Duration       time.Duration // how long trips are requested
	Generators     int           // goroutines pacing the requests
	AcceptFraction float64       // share of offers accepted
	ExpireFraction float64       // share of the other offers left to expire rather than declined
	Think          time.Duration // longest random pause before answering an offer; 0 answers at once
	LocationEvery  time.Duration // how often each driver sends its position; 0 never
	OfferTimeout   time.Duration // a trip with no offer this long after its request counts as missed
	CancelAfter    time.Duration // the requester cancels each trip this long after it was created; 0 never
	FreeEvery      time.Duration // a coordinator cancels one held trip this often, freeing its driver; 0 never
	Preset         string        // the settings Preset named, under the flags given

	Parallel   int           // registrations and dials in flight at once
	Settle     time.Duration // idle pause before the memory is read
	RadiusKm   float64       // drivers and pickups spread this far around the centre
	JSONOutput bool
}

// centre is Yingtan's city centre.
var centre = point{Lat: 28.26, Lng: 117.07}

func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("heartlink-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: heartlink-load [flags]\n\nDrives a running Heart-Link over real websockets and reports latencies,\nserver memory per connection and errors. See docs/load.md.\n\n")
		fs.PrintDefaults()
	}
	rawURL := fs.String("url", "http://127.0.0.1:8080", "the Heart-Link to load; must be on this machine (loopback)")
	fs.StringVar(&c.AdminToken, "admin-token", getenv("HEARTLINK_ADMIN_TOKEN"), "a coordinator's token (default $HEARTLINK_ADMIN_TOKEN)")
	fs.IntVar(&c.Drivers, "drivers", 1000, "simulated drivers, each on its own websocket")
	fs.IntVar(&c.Boards, "boards", 10, "coordinators' boards, each on its own websocket (beyond 50, start the server with a larger -ws-per-account: they share one token)")
	fs.IntVar(&c.Requesters, "requesters", 5, "requesters (schools, communities) that request the trips")
	fs.Float64Var(&c.Rate, "rate", 100, "trips requested per second, open loop (0: none, e.g. to measure idle memory)")
	fs.DurationVar(&c.Duration, "duration", 30*time.Second, "how long trips are requested")
	fs.IntVar(&c.Generators, "generators", 4, "goroutines pacing the trip requests")
	fs.Float64Var(&c.AcceptFraction, "accept-fraction", 0.3, "share of offers a driver accepts")
	fs.Float64Var(&c.ExpireFraction, "expire-fraction", 0.2, "share of the offers not accepted that are left to expire; the rest are declined")
	fs.DurationVar(&c.Think, "think", 200*time.Millisecond, "longest random pause before a driver answers an offer (0: answer at once)")
	fs.DurationVar(&c.LocationEvery, "location-every", 5*time.Second, "how often each driver sends a location frame, staggered (0: never)")
	fs.DurationVar(&c.OfferTimeout, "offer-timeout", 5*time.Second, "a trip with no offer this long after its request counts as missed")
	fs.DurationVar(&c.CancelAfter, "cancel-after", 0, "the requester cancels each trip this long after creating it, freeing its driver for the next (0: never; then each driver can take about one trip, since all trips fall in the same hour)")
	fs.IntVar(&c.Parallel, "parallel", 64, "registrations and dials in flight at once")
	fs.DurationVar(&c.Settle, "settle", 5*time.Second, "idle pause after every socket is up, before the server's memory is read")
	fs.Float64Var(&c.RadiusKm, "radius-km", 5, "drivers and pickups are spread over a disc this wide around Yingtan's centre (radius, km)")
	fs.DurationVar(&c.FreeEvery, "free-every", 0, "a coordinator cancels one trip a driver holds this often, and the tool times the freed driver's next offer (0: never)")
	fs.BoolVar(&c.JSONOutput, "json", false, "write the report as JSON instead of a table")
	fs.StringVar(&c.Preset, "preset", "", "start from named settings, under any flag given: "+presetNames()+" (see docs/load.md)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if err := applyPreset(fs, c.Preset); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	u, err := loopbackURL(*rawURL)
	if err != nil {
		return c, err
	}
	c.Base = u
	var errs []error
	check := func(ok bool, msg string) {
		if !ok {
			errs = append(errs, errors.New(msg))
		}
	}
	check(len(c.AdminToken) >= 16, "-admin-token (or HEARTLINK_ADMIN_TOKEN) is required: a coordinator's token")
	check(c.Drivers >= 1 && c.Drivers <= 100000, "-drivers must be 1 to 100000")
	check(c.Boards >= 0 && c.Boards <= 1000, "-boards must be 0 to 1000")
	check(c.Requesters >= 1 && c.Requesters <= 1000, "-requesters must be 1 to 1000")
	check(c.Rate >= 0 && c.Rate <= 10000, "-rate must be 0 to 10000")
	check(c.Duration >= 0 && c.Duration <= time.Hour, "-duration must be 0 to 1h")
	check(c.Generators >= 1 && c.Generators <= 64, "-generators must be 1 to 64")
	check(c.AcceptFraction >= 0 && c.AcceptFraction <= 1, "-accept-fraction must be 0 to 1")
	check(c.ExpireFraction >= 0 && c.ExpireFraction <= 1, "-expire-fraction must be 0 to 1")
	check(c.Think >= 0 && c.Think <= time.Minute, "-think must be 0 to 1m")
	check(c.LocationEvery == 0 || c.LocationEvery >= time.Second, "-location-every must be 0 or at least 1s (the server allows one a second)")
	check(c.OfferTimeout > 0 && c.OfferTimeout <= 5*time.Minute, "-offer-timeout must be positive and at most 5m")
	check(c.CancelAfter >= 0 && c.CancelAfter <= 10*time.Minute, "-cancel-after must be 0 to 10m")
	check(c.FreeEvery == 0 || c.FreeEvery >= time.Millisecond && c.FreeEvery <= time.Minute, "-free-every must be 0 or 1ms to 1m")
	check(c.Parallel >= 1 && c.Parallel <= 1024, "-parallel must be 1 to 1024")
	check(c.Settle >= 0 && c.Settle <= 5*time.Minute, "-settle must be 0 to 5m")
	check(c.RadiusKm > 0 && c.RadiusKm <= 50, "-radius-km must be above 0 and at most 50")
	return c, errors.Join(errs...)
}

// presets are named settings for the runs docs/load.md reports. steady
// keeps the fleet in a steady state: each trip is cancelled 3 s after its
// request, so drivers are freed as fast as they are taken. saturation
// lets every driver accept every offer and never cancels, so the fleet
// fills and stays full; a coordinator frees one driver every 100 ms and
// the tool times that driver's next offer.
var presets = map[string]map[string]string{
	"steady":     {"location-every": "0s", "cancel-after": "3s"},
	"saturation": {"location-every": "0s", "cancel-after": "0s", "accept-fraction": "1", "think": "50ms", "free-every": "100ms", "duration": "60s"},
}

func presetNames() string {
	return strings.Join(slices.Sorted(maps.Keys(presets)), ", ")
}

// applyPreset sets the preset's values of every flag not given.
func applyPreset(fs *flag.FlagSet, name string) error {
	if name == "" {
		return nil
	}
	values, ok := presets[name]
	if !ok {
		return fmt.Errorf("-preset %q: want one of %s", name, presetNames())
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	for _, k := range slices.Sorted(maps.Keys(values)) {
		if !given[k] {
			if err := fs.Set(k, values[k]); err != nil {
				return fmt.Errorf("-preset %s: -%s: %w", name, k, err)
			}
		}
	}
	return nil
}

// loopbackURL parses the server's base URL and refuses any host that is
// not this machine: the tool opens thousands of sockets and must never be
// pointed at someone else's service by a typo.
func loopbackURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("-url: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("-url %q: want http:// or https://", raw)
	}
	host := u.Hostname()
	ip := net.ParseIP(host)
	if !strings.EqualFold(host, "localhost") && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("-url %q: only a server on this machine (127.0.0.1, ::1, localhost) may be loaded", raw)
	}
	if u.Port() != "" {
		if _, err := strconv.Atoi(u.Port()); err != nil {
			return nil, fmt.Errorf("-url %q: bad port", raw)
		}
	}
	u.Path, u.RawQuery, u.Fragment = strings.TrimSuffix(u.Path, "/"), "", ""
	return u, nil
}

// wsURL is the websocket address of path on the server.
func (c config) wsURL(path string) string {
	u := *c.Base
	u.Scheme = map[string]string{"http": "ws", "https": "wss"}[u.Scheme]
	u.Path += path
	return u.String()
}
