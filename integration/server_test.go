package integration

import (
	"bytes"
	"errors"
	"net/http"
	"os/exec"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// adminToken is the coordinator token every server is started with, through
// HEARTLINK_ADMIN_TOKEN as an operator would.
const adminToken = "integration-coordinator-token-0001"

// baseFlags are the flags of every server: a free port, a quick dispatch
// worker, and no rate limits, which only the rate-limit test switches on
// (the setup of a 50-driver race would trip them otherwise). Trips are
// offered as they are booked, however far ahead: most tests book trips
// hours apart so that they never share a car; the rolling plan of advance
// trips has tests of its own (advance_test.go) with its own settings.
var baseFlags = []string{
	"-addr", "127.0.0.1:0",
	"-tick", "50ms",
	"-rate-per-address", "0",
	"-rate-per-token", "0",
	"-rate-shared", "0",
	"-plan-horizon", "0",
}

// server is one heartlink process. Its log is what it wrote to stderr.
type server struct {
	tb   testing.TB
	URL  string
	cmd  *exec.Cmd
	log  *logBuffer
	args []string

	stopOnce sync.Once
	exited   chan struct{} // closed when the process has exited
	waitErr  error         // set before exited is closed
	killed   bool          // crashed on purpose: no clean exit expected
}

// startServer starts heartlink on the backend's store with baseFlags and
// then extra, waits until /healthz answers, and stops it with SIGTERM when
// the test ends, checking that it exits 0.
func startServer(tb testing.TB, b backend, extra ...string) *server {
	tb.Helper()
	args := append(append(append([]string{}, baseFlags...), b.flags()...), extra...)
	s := &server{tb: tb, log: newLogBuffer(), args: args, exited: make(chan struct{})}
	s.cmd = exec.Command(binary, args...)
	// A clean environment: a REDIS_URL or HEARTLINK_* of the developer's
	// shell must not change what the test runs against.
	s.cmd.Env = []string{"HEARTLINK_ADMIN_TOKEN=" + adminToken}
	s.cmd.Stderr = s.log
	s.cmd.Stdout = &bytes.Buffer{}
	setDeathSignal(s.cmd)
	require.NoError(tb, s.cmd.Start(), "start %s", binary)
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.exited)
	}()
	tb.Cleanup(s.Stop)

	select {
	case addr := <-s.log.addr:
		s.URL = "http://" + addr
	case <-s.exited:
		tb.Fatalf("heartlink %v exited before listening: %v\n%s", args, s.waitErr, s.log)
	case <-time.After(15 * time.Second):
		tb.Fatalf("heartlink %v wrote no msg=listening line within 15s\n%s", args, s.log)
	}
	eventually(tb, 10*time.Second, "GET /healthz to answer 200", func() bool {
		resp, err := httpClient.Get(s.URL + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return s
}

// Stop sends SIGTERM and checks for a clean shutdown: exit status 0. It
// runs when the test ends; a test that reads the whole log calls it first.
func (s *server) Stop() {
	s.tb.Helper()
	s.stopOnce.Do(s.stop)
}

func (s *server) stop() {
	defer func() {
		if s.tb.Failed() {
			s.tb.Logf("log of heartlink %v:\n%s", s.args, s.log)
		}
	}()
	if s.killed {
		return
	}
	select {
	case <-s.exited:
		s.tb.Errorf("heartlink exited before the test ended: %v", s.waitErr)
		return
	default:
	}
	// Connections the client dialled but never used count as busy for up
	// to 5s in http.Server.Shutdown; a client going away closes them.
	httpClient.CloseIdleConnections()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		s.tb.Errorf("SIGTERM: %v", err)
	}
	select {
	case <-s.exited:
	case <-time.After(15 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
		s.tb.Errorf("heartlink did not stop within 15s of SIGTERM")
		return
	}
	var exit *exec.ExitError
	if errors.As(s.waitErr, &exit) {
		s.tb.Errorf("heartlink exited with %v after SIGTERM; want a clean shutdown (status 0)", exit)
	} else if s.waitErr != nil {
		s.tb.Errorf("heartlink: %v", s.waitErr)
	}
}

// crash kills the process with SIGKILL, as a power cut or an OOM kill
// would: nothing gets to shut down cleanly.
func (s *server) crash() {
	s.tb.Helper()
	s.killed = true
	require.NoError(s.tb, s.cmd.Process.Kill())
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		s.tb.Fatal("heartlink did not die of SIGKILL within 10s")
	}
}

// Log returns everything the server has written to stderr so far.
func (s *server) Log() string { return s.log.String() }

// listening finds the address in the server's "msg=listening addr=..." line.
var listening = regexp.MustCompile(`msg=listening addr=(\S+)\n`)

// logBuffer keeps a process's stderr and reports its listening address once.
type logBuffer struct {
	addr chan string // receives the address once

	mu   sync.Mutex // mu guards buf and sent
	buf  bytes.Buffer
	sent bool
}

func newLogBuffer() *logBuffer { return &logBuffer{addr: make(chan string, 1)} }

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	if !l.sent {
		if m := listening.FindSubmatch(l.buf.Bytes()); m != nil {
			l.sent = true
			l.addr <- string(m[1])
		}
	}
	return len(p), nil
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
