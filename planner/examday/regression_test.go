package examday

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sharedExamday finds the benchmark folder, ../shared/examday beside the
// module root, or skips the test.
func sharedExamday(tb testing.TB) string {
	tb.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		tb.Skip("python3 not found: skipping the exam-day benchmark regression")
	}
	dir, err := filepath.Abs(".")
	require.NoError(tb, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Skip("module root not found: skipping the exam-day benchmark regression")
		}
		dir = parent
	}
	shared := filepath.Join(dir, "..", "shared", "examday")
	for _, f := range []string{"gen.py", "score.py"} {
		if _, err := os.Stat(filepath.Join(shared, f)); err != nil {
			tb.Skipf("%s not found: skipping the exam-day benchmark regression", filepath.Join(shared, f))
		}
	}
	return shared
}

var kmRe = regexp.MustCompile(`([0-9.]+) km`)

// scored is the part of score.py --json the targets are about.
type scored struct {
	Students   int      `json:"students"`
	OnTime     int      `json:"on_time"`
	Late       int      `json:"late"`
	Unserved   int      `json:"unserved"`
	Violations int      `json:"violations"`
	Examples   []string `json:"violation_examples"`
	TotalKm    float64  `json:"total_km"`
	SlackP5    float64  `json:"slack_p5_min"`
	OverRide   int      `json:"ride_over_limit"`
}

func python(tb testing.TB, args ...string) {
	tb.Helper()
	out, err := exec.Command("python3", args...).CombinedOutput()
	require.NoError(tb, err, "python3 %v:\n%s", args, out)
}

// TestBenchmarkRegression plans the benchmark's seed-1 mornings in process
// and has the benchmark's own scorer judge them against the targets.
func TestBenchmarkRegression(t *testing.T) {
	shared := sharedExamday(t)
	tests := []struct {
		students, cars, sites int
		budget                string  // "" for the planner's default
		maxKm                 float64 // 0: not checked
		maxSolve              time.Duration
		underRace             bool
	}{
		{200, 60, 6, "", 545, 500 * time.Millisecond, false},
		{200, 60, 6, "3s", 0, 0, true},
		{1200, 300, 8, "", 3050, 5 * time.Second, false},
	}
	for _, tt := range tests {
		if tt.underRace != raceEnabled {
			continue
		}
		t.Run(fmt.Sprintf("%d-%d-%d", tt.students, tt.cars, tt.sites), func(t *testing.T) {
			dir := t.TempDir()
			prefix := filepath.Join(dir, "s1")
			python(t, filepath.Join(shared, "gen.py"), "--seed", "1", "--students", fmt.Sprint(tt.students),
				"--cars", fmt.Sprint(tt.cars), "--sites", fmt.Sprint(tt.sites), "--out", prefix, "--no-vroom")
			inst, plan := prefix+".instance.json", prefix+".plan.json"

			args := []string{"-in", inst, "-out", plan}
			if tt.budget != "" {
				args = append(args, "-budget", tt.budget)
			}
			var stdout, stderr bytes.Buffer
			began := time.Now()
			require.NoError(t, Command(context.Background(), args, &stdout, &stderr), stderr.String())
			took := time.Since(began)
			t.Log(stdout.String())

			// score.py exits 1 on violations; the JSON says which.
			scoreJSON := prefix + ".score.json"
			out, err := exec.Command("python3", filepath.Join(shared, "score.py"), inst, plan, "--json", scoreJSON).CombinedOutput()
			var s scored
			b, rerr := os.ReadFile(scoreJSON)
			require.NoError(t, rerr, "score.py: %v\n%s", err, out)
			require.NoError(t, json.Unmarshal(b, &s))

			assert.Zero(t, s.Violations, "violations: %v", s.Examples)
			assert.Equal(t, s.Students, s.OnTime, "every student on time")
			assert.Zero(t, s.Unserved)
			assert.Zero(t, s.OverRide, "nobody over the ride limit")
			assert.GreaterOrEqual(t, s.SlackP5, 10.0, "p5 arrival slack in minutes")
			// The planner's metres and the scorer's must agree: same
			// travel model, same rounding.
			if m := kmRe.FindStringSubmatch(stdout.String()); assert.NotNil(t, m, "summary line") {
				km, err := strconv.ParseFloat(m[1], 64)
				require.NoError(t, err)
				assert.InDelta(t, s.TotalKm, km, 0.051, "planner km vs score.py km")
			}
			if tt.maxKm > 0 {
				assert.LessOrEqual(t, s.TotalKm, tt.maxKm, "total km")
			}
			if tt.maxSolve > 0 {
				assert.LessOrEqual(t, took, tt.maxSolve, "solve time")
			}
		})
	}
}
