package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"time"
)

// config is every setting, read once from flags.
type config struct {
	Bin         string        // the heartlink binary; empty: built into the run's directory
	RedisServer string        // the redis-server binary
	Duration    time.Duration // how long trips are booked and faults injected
	Instances   int           // heartlink processes sharing the one Redis
	TripsPerSec float64
	Drivers     int
	Places      int // cars the rushed shift needs; 0: a quarter of the drivers
	Seed        uint64

	KillEvery   time.Duration // an instance is killed this often
	Down        time.Duration // how long a killed instance or Redis stays down
	RedisKills  int           // how often Redis is killed during the run
	CutsPerSec  float64       // sockets cut by the tool, besides those an instance kill cuts
	CutAfterAsk float64       // share of accepts and declines followed at once by a cut socket
	Accept      float64       // share of offers accepted (the rest declined)
	OfferTTL    time.Duration // the instances' -offer-ttl
	Drain       time.Duration // longest wait, after the faults stop, for every request to be answered

	RedisPort int // 0: a free port
	PortBase  int // first instance's port, the next ones after it; 0: free ports

	Keep    bool // keep the run's directory (logs, AOF) and say where it is
	JSON    bool
	Verbose bool
}

func parseConfig(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("heartlink-chaos", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: heartlink-chaos [flags]\n\n"+
			"Starts a Redis (AOF, appendfsync always) and several Heart-Link instances on loopback,\n"+
			"drives trips, racing drivers and a campaign sign-up rush through them while it kills\n"+
			"instances and Redis with SIGKILL and cuts sockets, then checks the fleet's invariants\n"+
			"from the API and the audit trails. Exit status 1 when any is violated. See docs/chaos.md.\n\n")
		fs.PrintDefaults()
	}
	fs.StringVar(&c.Bin, "bin", "", "the heartlink binary to run (default: go build ./cmd/heartlink into a temporary directory)")
	fs.StringVar(&c.RedisServer, "redis-server", "redis-server", "the redis-server binary")
	fs.DurationVar(&c.Duration, "duration", 30*time.Second, "how long trips are booked and faults injected")
	fs.IntVar(&c.Instances, "instances", 3, "Heart-Link instances on the one Redis")
	fs.Float64Var(&c.TripsPerSec, "trips-per-sec", 2, "trips booked per second")
	fs.IntVar(&c.Drivers, "drivers", 30, "drivers, each on its own websocket; every one of them rushes the campaign's shift")
	fs.IntVar(&c.Places, "places", 0, "cars the rushed shift needs (default: a quarter of -drivers)")
	fs.Uint64Var(&c.Seed, "seed", 0, "seed of the run's choices (default: from the clock; printed)")
	fs.DurationVar(&c.KillEvery, "kill-every", 5*time.Second, "an instance is killed with SIGKILL this often, and restarted")
	fs.DurationVar(&c.Down, "down", time.Second, "how long a killed instance or Redis stays down before it is restarted")
	fs.IntVar(&c.RedisKills, "redis-kills", 2, "how often Redis is killed with SIGKILL during the run, and restarted on its AOF")
	fs.Float64Var(&c.CutsPerSec, "cuts-per-sec", 2, "drivers' sockets cut per second (the TCP connection closed, no close frame)")
	fs.Float64Var(&c.CutAfterAsk, "cut-after-request", 0.1, "share of accepts and declines after which the driver's socket is cut at once, before the answer")
	fs.Float64Var(&c.Accept, "accept", 0.85, "share of offers a driver accepts; the rest are declined")
	fs.DurationVar(&c.OfferTTL, "offer-ttl", 4*time.Second, "the instances' -offer-ttl")
	fs.DurationVar(&c.Drain, "drain", 20*time.Second, "longest wait, once the faults stop, for every request to be answered")
	fs.IntVar(&c.RedisPort, "redis-port", 0, "Redis's port (default: a free one)")
	fs.IntVar(&c.PortBase, "port-base", 0, "the first instance's port, the others following it (default: free ones)")
	fs.BoolVar(&c.Keep, "keep", false, "keep the run's directory (instance logs, Redis's AOF) and print where it is")
	fs.BoolVar(&c.JSON, "json", false, "write the figures as JSON instead of a table")
	fs.BoolVar(&c.Verbose, "v", false, "log every fault and phase to stderr")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	switch {
	case c.Duration < 5*time.Second:
		return c, errors.New("-duration must be at least 5s")
	case c.Instances < 1:
		return c, errors.New("-instances must be at least 1")
	case c.Drivers < 4:
		return c, errors.New("-drivers must be at least 4")
	case c.TripsPerSec <= 0:
		return c, errors.New("-trips-per-sec must be positive")
	case c.Places < 0 || c.Places > c.Drivers:
		return c, errors.New("-places must be between 0 and -drivers")
	case c.KillEvery <= 0:
		return c, errors.New("-kill-every must be positive")
	case c.Accept < 0 || c.Accept > 1, c.CutAfterAsk < 0 || c.CutAfterAsk > 1:
		return c, errors.New("-accept and -cut-after-request are shares, between 0 and 1")
	case c.OfferTTL < time.Second:
		return c, errors.New("-offer-ttl must be at least 1s")
	}
	if c.Places == 0 {
		c.Places = max(1, c.Drivers/4)
	}
	if c.Seed == 0 {
		c.Seed = uint64(time.Now().UnixNano())
	}
	return c, nil
}

// Settings every instance runs with, beyond its address and Redis.
const (
	tick       = 100 * time.Millisecond // offers expire and the queue is worked this often
	lease      = 2 * time.Second        // a dead dispatcher's trips are taken over this soon
	retryAfter = 5 * time.Second        // a trip that found nobody is searched again this soon
)

// adminToken is the first coordinator's token of every run's fleet.
const adminToken = "heartlink-chaos-coordinator-0001"
