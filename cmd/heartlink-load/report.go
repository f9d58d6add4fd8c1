package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// report is everything a run measured. Its JSON form is for machines;
// writeTable is for people.
type report struct {
	Target         string  `json:"target"`
	Drivers        int     `json:"drivers"`
	Boards         int     `json:"boards"`
	Rate           float64 `json:"rate"`
	Duration       string  `json:"duration"`
	AcceptFraction float64 `json:"accept_fraction"`
	Think          string  `json:"think"`
	CancelAfter    string  `json:"cancel_after"`
	LocationEvery  string  `json:"location_every"`

	Setup struct {
		RegisterSeconds float64 `json:"register_seconds"`
		ConnectSeconds  float64 `json:"connect_seconds"`
		DriversOnline   int     `json:"drivers_online"`
		BoardsConnected int     `json:"boards_connected"`
	} `json:"setup"`

	RequestToOffer   summary `json:"request_to_offer"`
	NoOffer          int     `json:"trips_without_offer"`
	OfferTimeout     string  `json:"offer_timeout"`
	AcceptRoundTrip  summary `json:"accept_round_trip"`
	BoardStaleStream summary `json:"board_staleness_stream_id"`
	BoardStaleClient summary `json:"board_staleness_client"`
	BoardAhead       int64   `json:"board_frames_before_client_saw"`
	PostTrips        summary `json:"post_trips"`
	// FreeToOffer: from a coordinator freeing a driver (-free-every) to
	// that driver's next offer; Frees counts the drivers freed.
	FreeToOffer summary `json:"free_to_offer"`
	Frees       int64   `json:"frees"`
	Preset      string  `json:"preset,omitempty"`

	// Redis is what the server sent Redis while trips were requested,
	// all of it (offers, accepts, boards, the queue), per trip created.
	Redis struct {
		Commands          float64 `json:"commands"`
		RoundTrips        float64 `json:"round_trips"`
		CommandsPerTrip   float64 `json:"commands_per_trip"`
		RoundTripsPerTrip float64 `json:"round_trips_per_trip"`
	} `json:"redis"`

	Trips struct {
		Requested        int64          `json:"requested"`
		Skipped          int64          `json:"skipped"`
		AchievedRate     float64        `json:"achieved_rate"`
		Created          int64          `json:"created"`
		Cancelled        int64          `json:"cancelled"`
		Failed           map[string]int `json:"failed"`
		OffersReceived   int            `json:"offers_received"`
		Decisions        map[string]int `json:"decisions"`
		Withdrawn        map[string]int `json:"withdrawn"`
		LocationsSent    int64          `json:"locations_sent"`
		LocationsAcked   int64          `json:"locations_acked"`
		DriverFrames     map[string]int `json:"driver_frames"`
		BoardFrames      map[string]int `json:"board_frames"`
		RepeatedVersions int64          `json:"board_repeated_versions"`
		SnapshotBytes    int64          `json:"board_snapshot_bytes"`
	} `json:"trips"`

	Memory  memoryFigures  `json:"memory"`
	Machine machineFigures `json:"machine"`

	Errors struct {
		Dial        map[string]int `json:"dial"`
		ErrorFrames map[string]int `json:"error_frames"`
		Dropped     map[string]int `json:"dropped"`
		Presence    map[string]int `json:"presence"`
		HTTP429     int64          `json:"http_429"`
	} `json:"errors"`
}

// memoryFigures compare the server before any socket and with all of them
// up and idle.
type memoryFigures struct {
	Before          serverStats `json:"before"`
	After           serverStats `json:"after"`
	Conns           float64     `json:"connections"`
	RSSPerConn      float64     `json:"rss_delta_per_conn_bytes"`
	HeapPerConn     float64     `json:"heap_inuse_per_conn_bytes"`
	HeapDeltPerConn float64     `json:"heap_inuse_delta_per_conn_bytes"`
	GoroutinesPer   float64     `json:"goroutines_per_conn"`
}

func memoryOf(before, after serverStats) memoryFigures {
	m := memoryFigures{Before: before, After: after, Conns: after.Conns - before.Conns}
	if m.Conns > 0 {
		m.RSSPerConn = (after.RSS - before.RSS) / m.Conns
		m.HeapPerConn = after.HeapInuse / m.Conns
		m.HeapDeltPerConn = (after.HeapInuse - before.HeapInuse) / m.Conns
		m.GoroutinesPer = (after.Goroutines - before.Goroutines) / m.Conns
	}
	return m
}

// machineFigures say how busy the machine was while trips were requested.
type machineFigures struct {
	Cores            int     `json:"cores"`
	LoadAvgBefore    string  `json:"loadavg_before"`
	LoadAvgAfter     string  `json:"loadavg_after"`
	Seconds          float64 `json:"seconds"`
	ClientCPUSeconds float64 `json:"client_cpu_seconds"`
	ServerCPUSeconds float64 `json:"server_cpu_seconds"`
	ServerRSSBytes   float64 `json:"server_rss_after_load_bytes"`
}

// fill puts what the run measured into rep.
func (r *runner) fill(rep *report) {
	lat, missed, offers := r.trips.offerFigures(r.cfg.OfferTimeout)
	rep.RequestToOffer = summarize(lat)
	rep.NoOffer = missed
	rep.OfferTimeout = r.cfg.OfferTimeout.String()
	rep.AcceptRoundTrip = r.acceptRTT.summary()
	rep.BoardStaleStream = r.staleStream.summary()
	rep.PostTrips = r.postLatency.summary()
	rep.FreeToOffer = r.freeToOffer.summary()
	rep.Frees = r.frees.Load()

	r.bmu.Lock()
	var stale []time.Duration
	for _, f := range r.boardTrips {
		ref, ok := r.trips.reference(f.trip, f.version)
		if !ok {
			continue
		}
		d := f.at.Sub(ref)
		if d < 0 {
			rep.BoardAhead++
			d = 0
		}
		stale = append(stale, d)
	}
	r.bmu.Unlock()
	rep.BoardStaleClient = summarize(stale)

	t := &rep.Trips
	t.Requested, t.Skipped, t.Created = r.requested.Load(), r.skipped.Load(), r.created.Load()
	t.Cancelled = r.cancelled.Load()
	t.Failed = r.tripFailures.snapshot()
	t.OffersReceived = offers
	t.Decisions = r.decisions.snapshot()
	t.Withdrawn = r.withdrawn.snapshot()
	t.LocationsSent, t.LocationsAcked = r.locationsSent.Load(), r.locationAcks.Load()
	t.DriverFrames, t.BoardFrames = r.driverFrames.snapshot(), r.boardFrames.snapshot()
	t.RepeatedVersions, t.SnapshotBytes = r.repeatedVersions.Load(), r.snapshotBytes.Load()

	e := &rep.Errors
	e.Dial, e.ErrorFrames, e.Dropped = r.dialErrors.snapshot(), r.errorFrames.snapshot(), r.drops.snapshot()
	e.Presence = r.presenceErrors.snapshot()
	e.HTTP429 = r.api.limited.Load()
	for k, n := range e.Presence {
		if strings.HasPrefix(k, "online: ") {
			rep.Setup.DriversOnline -= n
		}
	}
}

func (rep *report) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// writeTable writes the report for people.
func (rep *report) writeTable(w io.Writer) error {
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	p("Heart-Link load against %s: %d drivers, %d boards, %g trips/s for %s (accept %g, think ≤ %s, location every %s)\n",
		rep.Target, rep.Drivers, rep.Boards, rep.Rate, rep.Duration, rep.AcceptFraction, rep.Think, rep.LocationEvery)
	p("setup: registered in %.1fs; %d drivers online and %d boards connected in %.1fs\n\n",
		rep.Setup.RegisterSeconds, rep.Setup.DriversOnline, rep.Setup.BoardsConnected, rep.Setup.ConnectSeconds)

	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "latency\tcount\tp50\tp99\tmax\t\n")
	row := func(name string, s summary) {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t\n", name, s.Count, dur(s.P50), dur(s.P99), dur(s.Max))
	}
	row("request → offer received", rep.RequestToOffer)
	row("POST /trips answered", rep.PostTrips)
	row("accept → ack (socket)", rep.AcceptRoundTrip)
	row("board staleness (stream id)", rep.BoardStaleStream)
	row("board staleness (client saw)", rep.BoardStaleClient)
	if rep.Frees > 0 {
		row("driver freed → next offer", rep.FreeToOffer)
	}
	tw.Flush()
	if rep.Frees > 0 {
		p("drivers freed by a coordinator %d, of them offered a trip again %d\n", rep.Frees, rep.FreeToOffer.Count)
	}

	t := rep.Trips
	p("\ntrips: %d requested (%.1f/s achieved, %d skipped), %d created, %d cancelled by the tool, %d without an offer within %s; failed %s\n",
		t.Requested, t.AchievedRate, t.Skipped, t.Created, t.Cancelled, rep.NoOffer, rep.OfferTimeout, counts(t.Failed))
	p("offers received %d; decisions %s; withdrawn %s\n", t.OffersReceived, counts(t.Decisions), counts(t.Withdrawn))
	p("locations sent %d, acked %d; board trip frames repeating a version %d; board frames before the client saw the state %d\n",
		t.LocationsSent, t.LocationsAcked, t.RepeatedVersions, rep.BoardAhead)
	p("driver frames %s\nboard frames %s (snapshots %s)\n", counts(t.DriverFrames), counts(t.BoardFrames), mib(float64(t.SnapshotBytes)))

	m := rep.Memory
	p("\nserver memory, before sockets → all up and idle (%.0f connections):\n", m.Conns)
	p("  RSS %s → %s: %s per connection\n", mib(m.Before.RSS), mib(m.After.RSS), kib(m.RSSPerConn))
	p("  heap in use %s → %s: %s per connection (%s of it added by the sockets)\n",
		mib(m.Before.HeapInuse), mib(m.After.HeapInuse), kib(m.HeapPerConn), kib(m.HeapDeltPerConn))
	p("  Go runtime sys %s → %s; goroutines %.0f → %.0f (%.1f per connection)\n",
		mib(m.Before.Sys), mib(m.After.Sys), m.Before.Goroutines, m.After.Goroutines, m.GoroutinesPer)

	if mc := rep.Machine; mc.Seconds > 0 {
		p("\nmachine (%d cores) during the load, %.0fs: client CPU %.1fs (%.2f cores), server CPU %.1fs (%.2f cores); loadavg %s → %s\n",
			mc.Cores, mc.Seconds, mc.ClientCPUSeconds, mc.ClientCPUSeconds/mc.Seconds,
			mc.ServerCPUSeconds, mc.ServerCPUSeconds/mc.Seconds, mc.LoadAvgBefore, mc.LoadAvgAfter)
	}
	if rd := rep.Redis; rd.Commands > 0 {
		p("redis, while trips were requested: %.0f commands in %.0f round trips, %.1f commands and %.1f round trips per trip created\n",
			rd.Commands, rd.RoundTrips, rd.CommandsPerTrip, rd.RoundTripsPerTrip)
	}
	e := rep.Errors
	p("\nerrors: dial %s; error frames %s; dropped sockets %s; presence %s; HTTP 429 %d\n",
		counts(e.Dial), counts(e.ErrorFrames), counts(e.Dropped), counts(e.Presence), e.HTTP429)

	// The row docs/load.md and issue 13 compare runs by.
	p("\n| clients, rate | request → offer p50 / p99 | POST /trips p99 | accept → ack p99 | board staleness p99 | server RSS |\n")
	p("| --- | --- | --- | --- | --- | --- |\n")
	p("| %d, %g/s%s | %s / %s | %s | %s | %s | %s |\n", rep.Drivers, rep.Rate, presetNote(rep.Preset),
		dur(rep.RequestToOffer.P50), dur(rep.RequestToOffer.P99), dur(rep.PostTrips.P99),
		dur(rep.AcceptRoundTrip.P99), dur(rep.BoardStaleClient.P99), mib(max(rep.Memory.After.RSS, rep.Machine.ServerRSSBytes)))
	_, err := io.WriteString(w, b.String())
	return err
}

func presetNote(p string) string {
	if p == "" {
		return ""
	}
	return " (" + p + ")"
}

func dur(d time.Duration) string {
	switch {
	case d == 0:
		return "-"
	case d < time.Millisecond:
		return fmt.Sprintf("%.0fµs", float64(d.Nanoseconds())/1e3)
	case d < 100*time.Millisecond:
		return fmt.Sprintf("%.2fms", ms(d))
	}
	return d.Round(time.Millisecond).String()
}

func mib(b float64) string { return fmt.Sprintf("%.1f MiB", b/(1<<20)) }
func kib(b float64) string { return fmt.Sprintf("%.1f KiB", b/(1<<10)) }

// counts writes a tally in a stable order, "none" when empty.
func counts(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s ×%d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}
