// Command heartlink runs the Heart-Link dispatch service. With no Redis
// configured it runs on an embedded in-memory store, so that trying it needs
// nothing but Go.
//
//	heartlink [flags]            serve the API
//	heartlink plan -in X -out Y  plan an exam morning (see the planner)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // the city's time zone on machines without a zone database

	"github.com/heartlink/heartlink/planner/examday"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "heartlink: %v\n", err)
		os.Exit(1)
	}
}

// run is the whole program, callable from tests with fake arguments and
// environment. It returns when ctx is cancelled and everything has stopped.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 1 && args[1] == "plan" {
		return examday.Command(ctx, args[2:], stdout, stderr)
	}
	cfg, err := parseConfig(args[1:], getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil // asked for help, and given it
	}
	if err != nil {
		return err
	}
	return serve(ctx, cfg, stdout, stderr)
}
