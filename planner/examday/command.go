package examday

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/heartlink/heartlink/planner"
)

// Command runs "heartlink plan": it reads an instance (-in), plans it and
// writes the plan (-out), then prints a one-line summary to stdout. Usage
// and flag errors go to stderr. It fails on unreadable or invalid files,
// never panics on them.
func Command(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	in := fs.String("in", "", "instance JSON written by gen.py (required)")
	out := fs.String("out", "", "plan JSON to write (required; - for stdout)")
	seed := fs.Int64("seed", 1, "random seed; same seed and -iterations give the same plan")
	budget := fs.Duration("budget", 0, "wall-clock limit on planning (0: grows with the number of students, at most 4s)")
	margin := fs.Duration("margin", 10*time.Minute, "drop-off no later than arrive_by minus this")
	iters := fs.Int("iterations", 0, "search iterations per worker (0: until the budget is spent)")
	workers := fs.Int("workers", 2, "parallel searches")
	perCar := fs.Int("max-per-car", 0, "most students one car may carry in the morning (0: no cap)")
	noRide := fs.Bool("no-ride-limit", false, "ignore the instance's max ride rule")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: heartlink plan -in INSTANCE.json -out PLAN.json [flags]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if *in == "" || *out == "" {
		fs.Usage()
		return errors.New("plan: -in and -out are required")
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("plan: unexpected argument %q", fs.Arg(0))
	}
	if *margin < 0 || *margin%time.Second != 0 {
		return fmt.Errorf("plan: -margin %v must be a non-negative whole number of seconds", *margin)
	}

	inst, err := readInstanceFile(*in)
	if err != nil {
		return fmt.Errorf("plan: %s: %w", *in, err)
	}
	problem, err := inst.Problem()
	if err != nil {
		return fmt.Errorf("plan: %s: %w", *in, err)
	}
	opts := inst.Options(planner.Options{
		Margin:        planner.Seconds(*margin / time.Second),
		NoMargin:      *margin == 0,
		MaxPerCar:     *perCar,
		Seed:          *seed,
		Budget:        *budget,
		MaxIterations: *iters,
		Workers:       *workers,
	})
	opts.MaxRide.Off = *noRide

	began := time.Now()
	plan, err := planner.Solve(ctx, problem, opts)
	if err != nil {
		return fmt.Errorf("plan: %s: %w", *in, err)
	}
	took := time.Since(began)

	if err := writePlanFile(*out, inst.Name, plan, stdout); err != nil {
		return fmt.Errorf("plan: %w", err)
	}
	served := len(problem.Students) - len(plan.Unserved)
	fmt.Fprintf(stdout, "%s: %d/%d students in %d cars, %.1f km, %d unserved, %d inside the margin, %d iterations, %v\n",
		inst.Name, served, len(problem.Students), len(plan.Routes), float64(plan.Meters)/1000,
		len(plan.Unserved), len(plan.MarginWaived), plan.Stats.Iterations, took.Round(time.Millisecond))
	return nil
}

func readInstanceFile(path string) (*Instance, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadInstance(bufio.NewReader(f))
}

// writePlanFile writes to a temporary file and renames it, so a failed run
// never leaves half a plan where the scorer will look.
func writePlanFile(path, instance string, plan *planner.Plan, stdout io.Writer) error {
	if path == "-" {
		return WritePlan(stdout, instance, plan)
	}
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	w := bufio.NewWriter(f)
	err = WritePlan(w, instance, plan)
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
