package scheduler

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/heartlink/heartlink/internal/redistest"
)

// TestMain fails the run if any Scheduler goroutine outlives the tests,
// and stops the Redis Cluster the tests share.
func TestMain(m *testing.M) {
	code := redistest.Run(m)
	if code == 0 {
		if leaked := leakedGoroutines(); leaked != "" {
			fmt.Fprintf(os.Stderr, "scheduler goroutines left behind:\n%s\n", leaked)
			code = 1
		}
	}
	os.Exit(code)
}

func leakedGoroutines() string {
	var leaked []string
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		leaked = leaked[:0]
		for g := range strings.SplitSeq(string(buf), "\n\n") {
			if strings.Contains(g, "scheduler.(*Scheduler)") {
				leaked = append(leaked, g)
			}
		}
		if len(leaked) == 0 {
			return ""
		}
	}
	return strings.Join(leaked, "\n\n")
}

// day0 is a Sunday; tests start their clocks on it, in Shanghai.
var day0 = sh(2028, 3, 5, 0, 0)

// embedded returns a Store in a fresh embedded miniredis.
func embedded(tb testing.TB) Store {
	tb.Helper()
	c, _ := redistest.Embedded(tb)
	return NewRedisStore(c, redistest.Prefix(tb))
}

// eachBackend runs f against real Redis, a Redis Cluster and the embedded
// store.
func eachBackend(t *testing.T, f func(t *testing.T, newStore func() Store)) {
	for _, b := range redistest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			c, prefix := b.New(t)
			f(t, func() Store { return NewRedisStore(c, prefix) })
		})
	}
}

// logBuffer collects a Scheduler's log; a failing test prints it.
type logBuffer struct {
	// mu guards buf.
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func testLogger(tb testing.TB) (*slog.Logger, *logBuffer) {
	tb.Helper()
	b := new(logBuffer)
	tb.Cleanup(func() {
		if tb.Failed() {
			tb.Logf("scheduler log:\n%s", b)
		}
	})
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})), b
}

// newScheduler returns a Scheduler on store and clock that logs to the test.
func newScheduler(tb testing.TB, store Store, clock Clock) (*Scheduler, *logBuffer) {
	tb.Helper()
	log, buf := testLogger(tb)
	return New(store, clock, log), buf
}

// start runs s until the returned stop is called or the test ends; stop
// fails the test unless Run returns nil promptly.
func start(tb testing.TB, s *Scheduler) (stop func()) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- s.Run(ctx) }()
	stop = sync.OnceFunc(func() {
		cancel()
		select {
		case err := <-errc:
			require.NoError(tb, err, "Run")
		case <-time.After(5 * time.Second):
			tb.Error("Run did not return within 5s of cancel")
		}
	})
	tb.Cleanup(stop)
	return stop
}

// ran is one run of a job: its scheduled time and the clock when it ran.
type ran struct {
	job       string
	scheduled time.Time
	at        time.Time
}

func (r ran) String() string {
	return fmt.Sprintf("%s@%s", r.job, r.scheduled.In(shanghai).Format("01-02 15:04"))
}

// recorder records the runs of the jobs it makes.
type recorder struct {
	clock Clock
	// mu guards runs.
	mu   sync.Mutex
	runs []ran
}

// job returns a Shanghai job named name on spec that records its runs and
// then calls do, if not nil.
func (r *recorder) job(tb testing.TB, name, spec string, do func(ctx context.Context, scheduled time.Time) error) Job {
	tb.Helper()
	return Job{
		Name: name, Schedule: mustParse(tb, spec), Location: shanghai,
		Run: func(ctx context.Context, scheduled time.Time) error {
			r.mu.Lock()
			r.runs = append(r.runs, ran{name, scheduled, r.clock.Now()})
			r.mu.Unlock()
			if do != nil {
				return do(ctx, scheduled)
			}
			return nil
		},
	}
}

func (r *recorder) list() []ran {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]ran(nil), r.runs...)
}

// names lists the runs as job@time, in the order they ran.
func (r *recorder) names() []string {
	var s []string
	for _, x := range r.list() {
		s = append(s, x.String())
	}
	return s
}

// wait waits until n runs have been recorded: over a thousand, under the
// race detector on a busy machine, can take several seconds.
func (r *recorder) wait(tb testing.TB, n int) []ran {
	tb.Helper()
	require.Eventually(tb, func() bool { return len(r.list()) >= n }, 30*time.Second, time.Millisecond,
		"want %d runs", n)
	return r.list()
}

// firings lists the firings of spec in Shanghai after from, up to to.
func firings(tb testing.TB, job, spec string, from, to time.Time) []string {
	tb.Helper()
	s := mustParse(tb, spec)
	var out []string
	for t := Next(s, from, shanghai); !t.After(to); t = Next(s, t, shanghai) {
		out = append(out, ran{job: job, scheduled: t}.String())
	}
	return out
}
