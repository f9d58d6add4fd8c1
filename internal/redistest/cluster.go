package redistest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// clusterStart bounds how long starting a cluster may take: a few hundred
// milliseconds on a quiet machine, seconds on a loaded one.
const clusterStart = 30 * time.Second

// Cluster is a local Redis Cluster: redis-server processes with
// --cluster-enabled yes joined by redis-cli --cluster create, every slot
// served. It keeps nothing on disk but its nodes.conf files.
type Cluster struct {
	// Addrs are the nodes' host:port, primaries first.
	Addrs []string
	dir   string
	nodes []*clusterNode
}

type clusterNode struct {
	port int
	addr string
	cmd  *exec.Cmd
	done chan struct{}
}

var (
	sharedOnce    sync.Once
	shared        *Cluster
	sharedMissing string
)

// ClusterAddrs returns the addresses of the test binary's shared 3-primary
// cluster, starting it at the first call, or skips tb when redis-server or
// redis-cli is not installed (fails it with HEARTLINK_REQUIRE_REDIS set).
// Tests share it under unique key prefixes, as they share the Redis at
// URL; Run stops it when the tests end (the nodes die with the test binary
// anyway).
func ClusterAddrs(tb testing.TB) []string {
	tb.Helper()
	sharedOnce.Do(func() {
		var err error
		if shared, err = startClusterTries(3, 0); err != nil {
			sharedMissing = err.Error()
		}
	})
	if shared == nil {
		needCluster(tb, sharedMissing)
	}
	return shared.Addrs
}

// ClusterClient returns a client of the shared cluster and a fresh key
// prefix; the prefix's keys are deleted when the test ends.
func ClusterClient(tb testing.TB) (*redis.ClusterClient, string) {
	tb.Helper()
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: ClusterAddrs(tb), PoolSize: 64})
	prefix := Prefix(tb)
	tb.Cleanup(func() {
		ctx := context.Background()
		c.ForEachMaster(ctx, func(ctx context.Context, n *redis.Client) error {
			iter := n.Scan(ctx, 0, "*{"+prefix+"[}:]*", 1000).Iterator()
			var keys []string
			for iter.Next(ctx) {
				keys = append(keys, iter.Val())
			}
			// One by one: a few keys have hash tags of their own (slots).
			n.Pipelined(ctx, func(p redis.Pipeliner) error {
				for _, k := range keys {
					p.Del(ctx, k)
				}
				return nil
			})
			return nil
		})
		c.Close()
	})
	return c, prefix
}

// StartCluster starts a cluster of the test's own, with masters primaries
// and replicas replicas of each, for tests that move slots or fail a
// primary over; it is stopped when the test ends. It skips tb as
// ClusterAddrs does.
func StartCluster(tb testing.TB, masters, replicas int) *Cluster {
	tb.Helper()
	c, err := startClusterTries(masters, replicas)
	if err != nil {
		needCluster(tb, err.Error())
	}
	tb.Cleanup(func() {
		if tb.Failed() {
			for _, addr := range c.Addrs {
				tb.Logf("log of cluster node %s:\n%s", addr, c.Log(addr))
			}
		}
		c.Stop()
	})
	return c
}

func needCluster(tb testing.TB, why string) {
	tb.Helper()
	msg := "no Redis Cluster for this test: " + why
	if os.Getenv("HEARTLINK_REQUIRE_REDIS") != "" {
		tb.Fatal(msg)
	}
	tb.Skip(msg)
}

// Client returns a client of the cluster, closed when the test ends.
func (c *Cluster) Client(tb testing.TB) *redis.ClusterClient {
	tb.Helper()
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Addrs})
	tb.Cleanup(func() { cc.Close() })
	return cc
}

// Node returns a client of one node alone, closed when the test ends, to
// run CLUSTER commands on it as an operator would.
func (c *Cluster) Node(tb testing.TB, addr string) *redis.Client {
	tb.Helper()
	n := redis.NewClient(&redis.Options{Addr: addr})
	tb.Cleanup(func() { n.Close() })
	return n
}

// Log returns what the node at addr logged (warnings and up).
func (c *Cluster) Log(addr string) string {
	_, port, _ := net.SplitHostPort(addr)
	b, _ := os.ReadFile(filepath.Join(c.dir, "node-"+port+".log"))
	return string(b)
}

// Kill stops the node at addr at once, as a crash would (kill -9), and
// waits for it to go.
func (c *Cluster) Kill(addr string) {
	for _, n := range c.nodes {
		if n.addr == addr {
			n.cmd.Process.Kill()
			<-n.done
		}
	}
}

// Stop kills every node and removes the cluster's directory.
func (c *Cluster) Stop() {
	for _, n := range c.nodes {
		select {
		case <-n.done:
		default:
			n.cmd.Process.Kill()
			<-n.done
		}
		portsMu.Lock()
		delete(taken, n.port)
		portsMu.Unlock()
	}
	os.RemoveAll(c.dir)
}

// errPortTaken is a node's port found taken, between the check that it
// was free and the node's start, by another program (another test
// binary's cluster, say).
var errPortTaken = errors.New("port taken by another server")

// startClusterTries is startCluster, tried again on other ports when
// another program took one of them first.
func startClusterTries(masters, replicas int) (*Cluster, error) {
	for try := 1; ; try++ {
		c, err := startCluster(masters, replicas)
		if !errors.Is(err, errPortTaken) || try == 3 {
			return c, err
		}
	}
}

// startCluster starts masters×(1+replicas) nodes and joins them, within
// clusterStart.
func startCluster(masters, replicas int) (c *Cluster, err error) {
	server, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, errors.New("redis-server is not installed (apt-get install redis-server)")
	}
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		return nil, errors.New("redis-cli is not installed (apt-get install redis-tools)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), clusterStart)
	defer cancel()
	dir, err := os.MkdirTemp("", "heartlink-cluster-")
	if err != nil {
		return nil, err
	}
	c = &Cluster{dir: dir}
	defer func() {
		if err != nil {
			c.Stop()
			c = nil
		}
	}()
	n := masters * (1 + replicas)
	ports, err := clusterPorts(n)
	if err != nil {
		return c, err
	}
	defer func() {
		if len(c.nodes) < len(ports) { // Stop frees the ports of the nodes started
			portsMu.Lock()
			for _, p := range ports[len(c.nodes):] {
				delete(taken, p)
			}
			portsMu.Unlock()
		}
	}()
	for _, port := range ports {
		p := strconv.Itoa(port)
		cmd := exec.Command(server, "--port", p, "--bind", "127.0.0.1",
			"--cluster-enabled", "yes", "--cluster-config-file", "nodes-"+p+".conf",
			// A primary that stops answering is failed over within seconds.
			"--cluster-node-timeout", "2000",
			// A replica syncs at once, not after Redis's 5 s wait for others.
			"--repl-diskless-sync-delay", "0",
			"--save", "", "--appendonly", "no", "--dir", dir, "--loglevel", "warning",
			"--logfile", "node-"+p+".log")
		setDeathSignal(cmd) // the nodes die with the test binary
		if err := cmd.Start(); err != nil {
			return c, fmt.Errorf("redis-server would not start: %w", err)
		}
		node := &clusterNode{port: port, addr: "127.0.0.1:" + p, cmd: cmd, done: make(chan struct{})}
		go func() { cmd.Wait(); close(node.done) }()
		c.nodes = append(c.nodes, node)
		c.Addrs = append(c.Addrs, node.addr)
	}
	for _, node := range c.nodes {
		// The node answering is ours, not a server that had the port first.
		ours := func(ctx context.Context, n *redis.Client) error {
			select {
			case <-node.done:
				return fmt.Errorf("%s: redis-server exited: %w", node.addr, errPortTaken)
			default:
			}
			info, err := n.Info(ctx, "server").Result()
			if err != nil {
				return err
			}
			if !strings.Contains(info, "process_id:"+strconv.Itoa(node.cmd.Process.Pid)+"\r") {
				return fmt.Errorf("%s: %w", node.addr, errPortTaken)
			}
			return nil
		}
		if err := until(ctx, node.addr, ours); err != nil {
			return c, fmt.Errorf("cluster node %s did not answer: %w", node.addr, err)
		}
	}
	args := append([]string{"--cluster", "create"}, c.Addrs...)
	args = append(args, "--cluster-replicas", strconv.Itoa(replicas), "--cluster-yes")
	if out, err := exec.CommandContext(ctx, cli, args...).CombinedOutput(); err != nil {
		return c, fmt.Errorf("redis-cli --cluster create: %w\n%s", err, out)
	}
	for _, addr := range c.Addrs {
		if err := until(ctx, addr, clusterOK(n, masters*replicas)); err != nil {
			return c, fmt.Errorf("cluster node %s: %w", addr, err)
		}
	}
	// Replicas must have synced before a failover can be asked of them.
	for _, addr := range c.Addrs {
		if err := until(ctx, addr, linkUp); err != nil {
			return c, fmt.Errorf("cluster replica %s: %w", addr, err)
		}
	}
	return c, nil
}

// clusterOK is a node saying the cluster is ok and knows all n nodes,
// wantReplicas of them as replicas of their primaries.
func clusterOK(n, wantReplicas int) func(ctx context.Context, c *redis.Client) error {
	return func(ctx context.Context, c *redis.Client) error {
		info, err := c.ClusterInfo(ctx).Result()
		if err != nil {
			return err
		}
		if !strings.Contains(info, "cluster_state:ok") || !strings.Contains(info, "cluster_known_nodes:"+strconv.Itoa(n)+"\r") {
			return errors.New("cluster not ok yet")
		}
		// Every node known by gossip, with its role: a primary refuses a
		// manual failover from a replica it does not yet know as its own.
		nodes, err := c.ClusterNodes(ctx).Result()
		if err != nil {
			return err
		}
		replicas := 0
		for line := range strings.Lines(nodes) {
			f := strings.Fields(line)
			if len(f) < 8 || f[7] != "connected" || strings.Contains(f[2], "handshake") ||
				strings.Contains(f[2], "fail") || strings.Contains(f[2], "noaddr") {
				return fmt.Errorf("cluster node not settled yet: %s", strings.TrimSpace(line))
			}
			if strings.Contains(f[2], "slave") && f[3] != "-" {
				replicas++
			}
		}
		if replicas != wantReplicas {
			return fmt.Errorf("%d of %d replicas known yet", replicas, wantReplicas)
		}
		return nil
	}
}

// linkUp is a node that is a primary, or a replica in sync with its own.
func linkUp(ctx context.Context, c *redis.Client) error {
	info, err := c.Info(ctx, "replication").Result()
	if err != nil {
		return err
	}
	if !strings.Contains(info, "role:master") && !strings.Contains(info, "master_link_status:up") {
		return errors.New("replica not in sync yet")
	}
	return nil
}

// until calls f on a client of addr until it succeeds, finds the port
// taken, or ctx ends.
func until(ctx context.Context, addr string, f func(context.Context, *redis.Client) error) error {
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer c.Close()
	for {
		err := f(ctx, c)
		if err == nil || errors.Is(err, errPortTaken) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(20 * time.Millisecond):
		}
	}
}

var (
	portsMu sync.Mutex // portsMu guards taken
	taken   = map[int]bool{}
)

// clusterPorts returns n ports, each free with its cluster bus port (port
// + 10000), taken from HEARTLINK_TEST_CLUSTER_PORTS ("6420-6429") when it
// is set, else from the system's free ports below 55536.
func clusterPorts(n int) ([]int, error) {
	portsMu.Lock()
	defer portsMu.Unlock()
	lo, hi := 0, 0
	if r := os.Getenv("HEARTLINK_TEST_CLUSTER_PORTS"); r != "" {
		a, b, _ := strings.Cut(r, "-")
		var err1, err2 error
		lo, err1 = strconv.Atoi(a)
		hi, err2 = strconv.Atoi(b)
		if err1 != nil || err2 != nil || lo > hi {
			return nil, fmt.Errorf("HEARTLINK_TEST_CLUSTER_PORTS=%q: want a range like 6420-6429", r)
		}
	}
	var ports []int
	giveUp := func(err error) ([]int, error) {
		for _, p := range ports {
			delete(taken, p) // free again for the next cluster of this binary
		}
		return nil, err
	}
	for tries := 0; len(ports) < n; tries++ {
		var p int
		switch {
		case lo > 0 && tries > hi-lo:
			return giveUp(fmt.Errorf("HEARTLINK_TEST_CLUSTER_PORTS=%d-%d: not %d free ports left", lo, hi, n))
		case lo > 0:
			p = lo + tries
		case tries > 100:
			return giveUp(errors.New("no free ports for a cluster"))
		default:
			var err error
			if p, err = freePort(); err != nil {
				return giveUp(err)
			}
		}
		if p+10000 > 65535 || taken[p] || !free(p) || !free(p+10000) {
			continue
		}
		taken[p] = true
		ports = append(ports, p)
	}
	return ports, nil
}

func free(port int) bool {
	ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		return false
	}
	ln.Close()
	return true
}

// Run runs the tests of a package and then stops the shared cluster, if
// one was started: call it from TestMain.
func Run(m *testing.M) int {
	code := m.Run()
	if shared != nil {
		shared.Stop()
	}
	return code
}
