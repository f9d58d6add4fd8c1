package redisstore

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/redis/go-redis/v9"
)

// Unavailable reports whether err is the store failing to answer — down,
// refusing connections, frozen past the per-call deadline, loading its
// data, a replica refusing writes, a cluster without a primary for the
// slot or moving it — rather than a fault in the request or the service. Users are told
// to retry (503 unavailable with Retry-After), not "internal error".
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, ErrReplica),
		errors.Is(err, redis.ErrClosed),
		errors.Is(err, redis.ErrPoolTimeout),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.As(err, &ne):
		return true
	}
	var re redis.Error
	if errors.As(err, &re) {
		msg := re.Error()
		// EXECABORT is a transaction refused whole because a command in it
		// was refused as it was queued: READONLY on a replica, OOM or
		// MISCONF, the store's state (a malformed command, the one other
		// cause, is a bug the tests catch).
		// ASK and MOVED are a cluster's slot moving: go-redis follows them,
		// and one that comes back has outlasted its redirections (a script
		// sent to the new primary, refused, sent back, while keys move).
		for _, prefix := range []string{"LOADING", "READONLY", "EXECABORT", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN", "ASK ", "MOVED ", "BUSY", "NOREPLICAS", "MISCONF", "OOM"} {
			if strings.HasPrefix(msg, prefix) {
				return true
			}
		}
	}
	return false
}
