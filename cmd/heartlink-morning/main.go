// Command heartlink-morning plays an exam morning through a running
// Heart-Link service, as its users would: schools book the students of an
// exam-day instance (half as CSV lists, half one by one) for tomorrow,
// volunteers say they drive tomorrow morning and hold the driver socket
// open, the fleet office publishes the day's plan, and each volunteer
// answers the route offers and trip offers pushed to them after a human
// pause, accepting some and declining the rest. It then reads every
// driver's route back from the service and scores the morning with the
// benchmark's rules (the planner's checker and travel model), beside the
// offline planner's plan of the same morning:
//
//	go run ./cmd/heartlink -plan-horizon 2h      # in one shell (or any instance)
//	go run ./cmd/heartlink-morning -url http://127.0.0.1:8080 -token $ADMIN
//
// It writes both plans in the benchmark's neutral format (-live-plan,
// -offline-plan) for the exam-day scorer, when one is at hand.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"
	_ "time/tzdata"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "heartlink-morning: %v\n", err)
		os.Exit(1)
	}
}

type config struct {
	URL, Token  string
	Instance    string
	Schools     int
	Accept      float64
	PauseMin    time.Duration
	PauseMax    time.Duration
	Timeout     time.Duration
	Seed        int64
	LivePlan    string
	OfflinePlan string
	// StartIn plays the morning now: its first pick-up this long from
	// now, rather than tomorrow at the instance's times.
	StartIn time.Duration
	// Silent is the share of volunteers who stop answering, their app
	// closed, right after accepting.
	Silent float64
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c config
	fs := flag.NewFlagSet("heartlink-morning", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.URL, "url", "http://127.0.0.1:8080", "the service")
	fs.StringVar(&c.Token, "token", os.Getenv("HEARTLINK_ADMIN_TOKEN"), "a coordinator's token (default $HEARTLINK_ADMIN_TOKEN)")
	fs.StringVar(&c.Instance, "instance", "planner/examday/testdata/yingtan-s11-n1000-m400-k12.instance.json", "exam-day instance (gen.py format)")
	fs.IntVar(&c.Schools, "schools", 10, "schools booking the students; the first half send CSV lists")
	fs.Float64Var(&c.Accept, "accept", 0.8, "share of offers a volunteer accepts; the rest are declined")
	fs.DurationVar(&c.PauseMin, "pause-min", time.Second, "shortest human pause before answering an offer")
	fs.DurationVar(&c.PauseMax, "pause-max", 4*time.Second, "longest human pause before answering an offer")
	fs.DurationVar(&c.Timeout, "timeout", 10*time.Minute, "give up after this long")
	fs.Int64Var(&c.Seed, "seed", 1, "seed of the volunteers' choices")
	fs.StringVar(&c.LivePlan, "live-plan", "", "write the morning as carried, in the benchmark's plan format")
	fs.StringVar(&c.OfflinePlan, "offline-plan", "", "write the offline planner's plan of the same morning")
	fs.DurationVar(&c.StartIn, "start-in", 0, "play the morning now, its first pick-up this long from now (0: tomorrow, at the instance's times)")
	fs.Float64Var(&c.Silent, "silent", 0, "share of volunteers who go silent (app closed) right after accepting")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return nil
		}
		return err
	}
	if c.Token == "" {
		return fmt.Errorf("-token: a coordinator's token is needed (the admin token the service printed, or HEARTLINK_ADMIN_TOKEN)")
	}
	if c.Silent < 0 || c.Silent > 1 || c.StartIn < 0 {
		return fmt.Errorf("-silent must be 0..1 and -start-in not negative")
	}
	if c.Accept < 0 || c.Accept > 1 || c.PauseMin < 0 || c.PauseMax < c.PauseMin || c.Schools < 1 {
		return fmt.Errorf("-accept must be 0..1, -pause-max at least -pause-min, -schools at least 1")
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	m, err := newMorning(c, log)
	if err != nil {
		return err
	}
	res, err := m.play(ctx)
	if err != nil {
		return err
	}
	res.print(stdout)
	return nil
}
