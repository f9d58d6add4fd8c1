package redisstore

import (
	"os"
	"testing"

	"github.com/heartlink/heartlink/internal/redistest"
)

// TestMain stops the Redis Cluster the suites share once they have run.
func TestMain(m *testing.M) { os.Exit(redistest.Run(m)) }
