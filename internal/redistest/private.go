package redistest

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Server is a redis-server of one test's own, for tests that stop or
// freeze the store: never the shared one at REDIS_URL.
type Server struct {
	URL  string
	port int
	tb   testing.TB
	cmd  *exec.Cmd
	done chan struct{}
	c    *redis.Client
}

// Start starts a redis-server on a free port, with extra arguments
// (e.g. "--appendonly", "yes"), and stops it when the test ends. It skips
// tb when redis-server is not installed (fails it with
// HEARTLINK_REQUIRE_REDIS set).
func Start(tb testing.TB, extra ...string) *Server {
	tb.Helper()
	return StartAt(tb, FreePort(tb), extra...)
}

// FreePort returns a port nothing listens on now, for a server a test
// starts later than its client.
func FreePort(tb testing.TB) int {
	tb.Helper()
	port, err := freePort()
	if err != nil {
		tb.Fatal(err)
	}
	return port
}

// StartAt is Start on the given port.
func StartAt(tb testing.TB, port int, extra ...string) *Server {
	tb.Helper()
	path, err := exec.LookPath("redis-server")
	if err != nil {
		msg := "this test starts a redis-server of its own: install redis-server (apt-get install redis-server)"
		if os.Getenv("HEARTLINK_REQUIRE_REDIS") != "" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	args := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--loglevel", "warning", "--dir", tb.TempDir()}, extra...)
	cmd := exec.Command(path, args...)
	setDeathSignal(cmd)
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start redis-server: %v", err)
	}
	s := &Server{URL: "redis://127.0.0.1:" + strconv.Itoa(port) + "/0", port: port, tb: tb, cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); close(s.done) }()
	s.c = redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(port)})
	tb.Cleanup(func() {
		s.c.Close()
		s.Kill()
	})
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if s.c.Ping(context.Background()).Err() == nil {
			return s
		}
		if time.Now().After(deadline) {
			tb.Fatal("redis-server did not answer within 10s")
		}
	}
}

// Port is the port the server listens on.
func (s *Server) Port() int { return s.port }

// Do runs a command on the server as an operator would (CONFIG SET,
// REPLICAOF, FLUSHALL), failing the test if it fails.
func (s *Server) Do(args ...any) any {
	s.tb.Helper()
	v, err := s.c.Do(context.Background(), args...).Result()
	if err != nil {
		s.tb.Fatalf("%v: %v", args, err)
	}
	return v
}

// Kill stops the server at once, as a crash would, and waits for it to go.
func (s *Server) Kill() {
	select {
	case <-s.done:
		return
	default:
	}
	s.cmd.Process.Kill()
	<-s.done
}

// Freeze makes the server hold every command for d (CLIENT PAUSE), as a
// Redis stuck on a slow disk or a long script would: connections are
// accepted, answers do not come. Nothing ends it early: a paused server
// holds its UNPAUSE too.
func (s *Server) Freeze(d time.Duration) {
	s.tb.Helper()
	if err := s.c.Do(context.Background(), "CLIENT", "PAUSE", d.Milliseconds(), "ALL").Err(); err != nil {
		s.tb.Fatalf("CLIENT PAUSE: %v", err)
	}
}
