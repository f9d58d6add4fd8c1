// Command heartlink-load measures a running Heart-Link over real
// websockets: it registers simulated drivers and requesters through the
// HTTP API, puts the drivers online near Yingtan over their sockets,
// requests trips at a steady rate while the drivers answer offers, and
// reports latencies, the server's memory per connection and the errors it
// saw. It only ever targets a server on this machine. See docs/load.md.
//
//	heartlink-load -url http://127.0.0.1:8080 -drivers 1000 -boards 10 -rate 100 -duration 30s
//
// It is a client of the service and imports none of its packages.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "heartlink-load: %v\n", err)
		os.Exit(1)
	}
}

// run is the whole program. It stops by itself: every phase is bounded,
// and the whole run is given setup time on top of its load.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig(args[1:], getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	raiseFileLimit(uint64(cfg.Drivers+cfg.Boards+2*cfg.Parallel+256), log)

	ctx, cancel := context.WithTimeout(ctx, cfg.Duration+cfg.OfferTimeout+cfg.Settle+15*time.Minute)
	defer cancel()
	rep, err := newRunner(cfg, log).run(ctx)
	if err != nil {
		return err
	}
	if cfg.JSONOutput {
		return rep.writeJSON(stdout)
	}
	return rep.writeTable(stdout)
}

func numCPU() int { return runtime.NumCPU() }
