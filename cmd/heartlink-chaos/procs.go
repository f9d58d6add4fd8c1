package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// proc is one child process the run starts, kills and starts again: Redis
// or a Heart-Link instance. Its output goes to a log file in the run's
// directory.
type proc struct {
	name string
	argv []string
	env  []string
	log  string // path of its log file

	mu       sync.Mutex // mu guards cmd, exited, killing and surprises
	cmd      *exec.Cmd
	exited   chan struct{} // closed when the current process has exited
	killing  bool          // the current process is being killed by the run
	surprise []string      // why processes exited without being killed
	starts   int
}

// start starts the process; it must not be running.
func (p *proc) start() error {
	f, err := os.OpenFile(p.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	cmd := exec.Command(p.argv[0], p.argv[1:]...)
	cmd.Env = p.env
	cmd.Stdout, cmd.Stderr = f, f
	detach(cmd)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", p.name, err)
	}
	exited := make(chan struct{})
	p.mu.Lock()
	p.cmd, p.exited, p.killing = cmd, exited, false
	p.starts++
	p.mu.Unlock()
	go func() {
		err := cmd.Wait()
		p.mu.Lock()
		if !p.killing {
			p.surprise = append(p.surprise, fmt.Sprintf("%s exited by itself: %v", p.name, err))
		}
		p.mu.Unlock()
		close(exited)
	}()
	return nil
}

// kill sends SIGKILL to the process's group and waits for it to go. It
// does nothing to a process that is not running.
func (p *proc) kill() {
	p.mu.Lock()
	cmd, exited := p.cmd, p.exited
	if cmd == nil {
		p.mu.Unlock()
		return
	}
	select {
	case <-exited:
		p.mu.Unlock()
		return
	default:
	}
	p.killing = true
	p.mu.Unlock()
	killGroup(cmd)
	<-exited
}

// running says whether the process is up (started and not exited).
func (p *proc) running() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return false
	}
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// surprises are the exits the run did not cause.
func (p *proc) surprises() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.surprise...)
}

// tail is the end of the process's log, for a report on what went wrong.
func (p *proc) tail(lines int) string {
	b, err := os.ReadFile(p.log)
	if err != nil {
		return ""
	}
	all := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(all[max(0, len(all)-lines):], "\n")
}

// freePort is a loopback port nothing listens on now.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// newRedis is a redis-server on port, keeping its AOF in dir and writing
// every change to disk before it answers: an acknowledged accept survives
// its SIGKILL.
func newRedis(cfg config, dir string, port int) *proc {
	return &proc{
		name: "redis",
		argv: []string{cfg.RedisServer, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--dir", dir, "--appendonly", "yes", "--appendfsync", "always", "--save", "",
			"--loglevel", "warning"},
		log: filepath.Join(dir, "redis.log"),
	}
}

// pingRedis waits until Redis at addr answers PING with PONG (not LOADING).
func pingRedis(ctx context.Context, addr string, within time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	var last error
	for {
		if last = pingOnce(ctx, addr); last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("redis at %s did not answer PING within %s: %w", addr, within, last)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func pingOnce(ctx context.Context, addr string) error {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("*1\r\n$4\r\nPING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "+PONG") {
		return errors.New(strings.TrimSpace(line))
	}
	return nil
}

// newInstance is the i-th Heart-Link on port, on Redis at redisPort. Each
// instance offers a trip to a different number of drivers at once (3 to
// 6), so that 3 to 6 drivers race for each trip.
func newInstance(cfg config, bin, dir string, i, port, redisPort int) *proc {
	return &proc{
		name: "instance " + strconv.Itoa(i+1),
		argv: []string{bin,
			"-addr", "127.0.0.1:" + strconv.Itoa(port),
			"-redis", "redis://127.0.0.1:" + strconv.Itoa(redisPort) + "/0",
			"-offer-ttl", cfg.OfferTTL.String(),
			"-offers-at-once", strconv.Itoa(3 + i%4),
			"-tick", tick.String(),
			"-lease", lease.String(),
			"-retry-after", retryAfter.String(),
			"-plan-horizon", "0",
			"-redis-check", "1s",
			"-rate-per-address", "0",
			"-rate-per-token", "0",
		},
		env: []string{"HEARTLINK_ADMIN_TOKEN=" + adminToken},
		log: filepath.Join(dir, "instance-"+strconv.Itoa(i+1)+".log"),
	}
}

// waitHTTP waits until GET url answers 200.
func waitHTTP(ctx context.Context, hc *http.Client, url string, within time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	last := "no answer"
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := hc.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("GET %s: not 200 within %s (%s)", url, within, last)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
