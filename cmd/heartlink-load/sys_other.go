//go:build !unix

package main

import (
	"log/slog"
	"time"
)

func raiseFileLimit(uint64, *slog.Logger) {}

func cpuTime() time.Duration { return 0 }

func loadAvg() string { return "" }
