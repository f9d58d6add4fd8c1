// Command planbench runs the planner on the exam-day benchmark's seed-1
// instances and prints, beside the greedy baseline and VROOM's reference
// figures, what score.py measures of each plan, with wall time and peak
// memory of the planning process.
//
//	go run ./planner/examday/cmd/planbench -shared ../shared/examday
//
// Each plan is made by re-running this binary as a child ("planbench plan
// -in ... -out ..."), so its time and peak RSS are those of a clean
// process, as "heartlink plan" would show. Needs python3 for gen.py,
// baseline.py and score.py.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/heartlink/heartlink/planner/examday"
)

// size is one benchmark instance with VROOM's figure for it. VROOM 1.14 is
// not run here (it ignores the margin and the ride limit anyway); its km
// are the reference figures recorded with the benchmark.
type size struct {
	students, cars, sites int
	vroomKm               float64
}

var sizes = []size{
	{200, 60, 6, 518.6},
	{600, 150, 8, 1383.1},
	{1200, 300, 8, 2774.1},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "planbench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "plan" {
		return examday.Command(ctx, args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("planbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	shared := fs.String("shared", "../shared/examday", "folder with gen.py, baseline.py and score.py")
	dir := fs.String("dir", "", "work folder for instances and plans (default: a temporary one)")
	seed := fs.Int("seed", 1, "planner seed")
	budgets := fs.String("budgets", "", "comma-separated -budget per size, e.g. 400ms,2s,4s (default: planner's own)")
	only := fs.Int("only", 0, "run only the instance with this many students")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var budget []string
	if *budgets != "" {
		budget = strings.Split(*budgets, ",")
		if len(budget) != len(sizes) {
			return fmt.Errorf("-budgets needs %d values", len(sizes))
		}
	}
	if *dir == "" {
		d, err := os.MkdirTemp("", "planbench")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		*dir = d
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}

	tw := tabwriter.NewWriter(stdout, 2, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "instance\tsolver\ton-time\tunserved\tkm\tcars\tp5 slack min\tinside margin\tover ride\tviolations\tsolve s\tpeak MiB\t")
	for i, sz := range sizes {
		if *only != 0 && *only != sz.students {
			continue
		}
		prefix := filepath.Join(*dir, fmt.Sprintf("s1_%d", sz.students))
		inst := prefix + ".instance.json"
		if err := python(ctx, *shared, "gen.py", "--seed", "1", "--students", fmt.Sprint(sz.students),
			"--cars", fmt.Sprint(sz.cars), "--sites", fmt.Sprint(sz.sites), "--out", prefix, "--no-vroom"); err != nil {
			return err
		}
		name := fmt.Sprintf("%d/%d/%d", sz.students, sz.cars, sz.sites)

		greedy := prefix + ".greedy.json"
		if err := python(ctx, *shared, "baseline.py", inst, greedy); err != nil {
			return err
		}
		g, err := score(ctx, *shared, inst, greedy)
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "%s\tgreedy\t%d\t%d\t%.1f\t%d\t%.1f\t\t%d\t%d\t\t\t\n",
			name, g.OnTime, g.Unserved, g.TotalKm, g.CarsUsed, g.SlackP5, g.OverRide, g.Violations)
		fmt.Fprintf(tw, "%s\tVROOM 1.14 (reference)\t\t\t%.1f\t\t\t\t\t\t\t\t\n", name, sz.vroomKm)

		plan := prefix + ".plan.json"
		cargs := []string{"plan", "-in", inst, "-out", plan, "-seed", fmt.Sprint(*seed)}
		if budget != nil {
			cargs = append(cargs, "-budget", budget[i])
		}
		cmd := exec.CommandContext(ctx, self, cargs...)
		var summary strings.Builder
		cmd.Stdout, cmd.Stderr = &summary, stderr
		began := time.Now()
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("planning %s: %w", name, err)
		}
		wall := time.Since(began)
		var peakMiB float64
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			peakMiB = float64(ru.Maxrss) / 1024 // Linux reports KiB
		}
		h, err := score(ctx, *shared, inst, plan)
		if err != nil {
			return err
		}
		inside := "?"
		if m := insideRe.FindStringSubmatch(summary.String()); m != nil {
			inside = m[1]
		}
		fmt.Fprintf(tw, "%s\theartlink\t%d\t%d\t%.1f\t%d\t%.1f\t%s\t%d\t%d\t%.2f\t%.0f\t\n",
			name, h.OnTime, h.Unserved, h.TotalKm, h.CarsUsed, h.SlackP5, inside, h.OverRide, h.Violations,
			wall.Seconds(), peakMiB)
	}
	return tw.Flush()
}

// insideRe reads how many students the plan brings inside the margin from
// the summary line "heartlink plan" prints.
var insideRe = regexp.MustCompile(`(\d+) inside the margin`)

// metrics is the part of score.py --json this report prints.
type metrics struct {
	OnTime     int     `json:"on_time"`
	Unserved   int     `json:"unserved"`
	Violations int     `json:"violations"`
	TotalKm    float64 `json:"total_km"`
	CarsUsed   int     `json:"cars_used"`
	SlackP5    float64 `json:"slack_p5_min"`
	OverRide   int     `json:"ride_over_limit"`
}

func score(ctx context.Context, shared, inst, plan string) (*metrics, error) {
	out := plan + ".score.json"
	// score.py exits 1 when a plan has violations; the JSON still tells.
	_ = python(ctx, shared, "score.py", inst, plan, "--json", out)
	b, err := os.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("score.py wrote no result for %s: %w", plan, err)
	}
	var m metrics
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("reading %s: %w", out, err)
	}
	return &m, nil
}

func python(ctx context.Context, shared, script string, args ...string) error {
	cmd := exec.CommandContext(ctx, "python3", append([]string{filepath.Join(shared, script)}, args...)...)
	var buf strings.Builder
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w\n%s", script, err, buf.String())
	}
	return nil
}
