package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"testing"
	"time"
)

// TestChaosShort is the chaos suite's short form, as CI runs it: two
// instances on a real Redis for 14 seconds, at least one instance and one
// Redis killed with SIGKILL, sockets cut, the sign-up rush with an
// instance killed mid-rush; not one invariant may be violated.
func TestChaosShort(t *testing.T) {
	if testing.Short() {
		t.Skip("the chaos suite's short form takes about half a minute: skipped under -short")
	}
	if err := supported(); err != nil {
		t.Skip(err)
	}
	if _, err := exec.LookPath("redis-server"); err != nil {
		msg := "the chaos suite starts a redis-server of its own: install redis-server (apt-get install redis-server)"
		if os.Getenv("HEARTLINK_REQUIRE_REDIS") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	var out, log bytes.Buffer
	args := []string{"heartlink-chaos", "-json", "-v",
		"-duration", "14s", "-instances", "2", "-drivers", "20", "-trips-per-sec", "2",
		"-kill-every", "4s", "-redis-kills", "1"}
	start := time.Now()
	err := run(t.Context(), args, &out, &log)
	t.Logf("%v in %s", args, time.Since(start).Round(time.Second))
	var f figures
	if jerr := json.Unmarshal(out.Bytes(), &f); jerr != nil {
		t.Fatalf("run: %v; its output is not the figures (%v):\n%s\n%s", err, jerr, out.String(), log.String())
	}
	var table bytes.Buffer
	f.writeTable(&table)
	t.Logf("figures:\n%s", table.String())
	if err != nil {
		t.Fatalf("run: %v\nlog:\n%s", err, log.String())
	}
	for _, c := range []struct {
		what string
		got  int
		min  int
	}{
		{"instances killed", f.Kills.Instances, 1},
		{"Redis kills", f.Kills.Redis, 1},
		{"sockets cut", f.Sockets.Cut, 1},
		{"trips booked", f.Trips.Booked, 10},
		{"acknowledged accepts", f.Accepts.Acknowledged, 5},
	} {
		if c.got < c.min {
			t.Errorf("%s: %d; want at least %d, else the run proves little", c.what, c.got, c.min)
		}
	}
	if f.Rush == nil || f.Rush.Confirmed != 5 || f.Rush.Waiting != 15 {
		t.Errorf("sign-up rush: %+v; want 5 confirmed, 15 waiting", f.Rush)
	}
	if f.Total != 0 {
		t.Errorf("%d violations of the invariants; want 0", f.Total)
	}
}

// TestPlan checks the kills a run plans: Redis as often as asked, evenly
// spread, and no instance killed around the rush, whose own kill must find
// one running.
func TestPlan(t *testing.T) {
	for _, c := range []struct {
		name string
		cfg  config
	}{
		{"short form", config{Duration: 14 * time.Second, KillEvery: 4 * time.Second, RedisKills: 1, Down: time.Second, Seed: 1}},
		{"default", config{Duration: 30 * time.Second, KillEvery: 5 * time.Second, RedisKills: 2, Down: time.Second, Seed: 2}},
		{"long form", config{Duration: 90 * time.Second, KillEvery: 8 * time.Second, RedisKills: 3, Down: time.Second, Seed: 3}},
	} {
		t.Run(c.name, func(t *testing.T) {
			faults := plan(c.cfg)
			rush := rushAt(c.cfg)
			redis, instances := 0, 0
			for i, f := range faults {
				if i > 0 && f.at < faults[i-1].at {
					t.Errorf("fault %d at %s comes before fault %d at %s", i, f.at, i-1, faults[i-1].at)
				}
				if f.at <= 0 || f.at >= c.cfg.Duration {
					t.Errorf("fault at %s, outside the run of %s", f.at, c.cfg.Duration)
				}
				if f.redis {
					redis++
					continue
				}
				instances++
				if f.at > rush-c.cfg.Down-2*time.Second && f.at < rush+c.cfg.Down+time.Second {
					t.Errorf("instance killed at %s, too near the rush at %s", f.at, rush)
				}
			}
			if redis != c.cfg.RedisKills {
				t.Errorf("plan(%+v) kills Redis %d times; want %d", c.cfg, redis, c.cfg.RedisKills)
			}
			if want := int(c.cfg.Duration/c.cfg.KillEvery) / 2; instances < want {
				t.Errorf("plan(%+v) kills %d instances; want at least %d", c.cfg, instances, want)
			}
		})
	}
}
