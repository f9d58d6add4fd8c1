//go:build unix

package main

import (
	"log/slog"
	"os"
	"strings"
	"syscall"
	"time"
)

// raiseFileLimit lifts the soft limit on open files towards the hard limit
// so that need sockets fit; it says so when they cannot.
func raiseFileLimit(need uint64, log *slog.Logger) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		log.Warn("read the open-file limit", "err", err)
		return
	}
	if lim.Cur < need && lim.Cur < lim.Max {
		old := lim.Cur
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			log.Warn("raise the open-file limit", "from", old, "to", lim.Max, "err", err)
			return
		}
		log.Info("raised the open-file limit", "from", old, "to", lim.Cur)
	}
	if lim.Cur < need {
		log.Warn("the open-file limit is below what this run needs; raise the hard limit (ulimit -Hn, limits.conf)", "limit", lim.Cur, "need", need)
	}
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loadAvg is the machine's 1, 5 and 15 minute load averages, where the
// system tells them (Linux).
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}
