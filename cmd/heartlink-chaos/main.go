// Command heartlink-chaos checks that Heart-Link keeps its promises
// through crashes. It starts its own Redis (AOF, appendfsync always) and
// several Heart-Link instances on loopback, registers drivers and
// requesters through the public API, books trips (with Idempotency-Key,
// sent again until answered) while 3 to 6 drivers race for each over their
// websockets, runs a campaign sign-up rush, and all the while kills
// instances and Redis with SIGKILL, starting them again, and cuts sockets.
// Then it lets the fleet settle and holds it to its invariants, read back
// through the API and the trips' audit trails, and prints the figures.
// It exits 1 when any invariant is violated. See docs/chaos.md.
//
//	heartlink-chaos -duration 30s -instances 3 -drivers 30
//
// It is a client of the service and imports none of its packages. Every
// process it starts is in a process group of its own, killed when the run
// ends (or when the tool dies), and its temporary directory is removed.
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
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args, os.Stdout, os.Stderr)
	var v *violated
	switch {
	case errors.As(err, &v):
		os.Exit(1)
	case err != nil:
		fmt.Fprintf(os.Stderr, "heartlink-chaos: %v\n", err)
		os.Exit(2)
	}
}

// violated is a run that found violations: its figures say which.
type violated struct{ total int }

func (v *violated) Error() string { return fmt.Sprintf("%d violations of the invariants", v.total) }

// run is the whole program. It stops by itself: every phase is bounded,
// and the whole run by its duration and a few minutes more.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig(args[1:], stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := supported(); err != nil {
		return err
	}
	level := slog.LevelWarn
	if cfg.Verbose {
		level = slog.LevelInfo
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	ctx, cancel := context.WithTimeout(ctx, cfg.Duration+cfg.Drain+5*time.Minute)
	defer cancel()
	f, err := chaos(ctx, cfg, log)
	if err != nil {
		return err
	}
	if cfg.JSON {
		err = f.writeJSON(stdout)
	} else {
		err = f.writeTable(stdout)
	}
	if err != nil {
		return err
	}
	if f.Total > 0 {
		return &violated{total: f.Total}
	}
	return nil
}
