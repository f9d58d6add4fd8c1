package redisstore

import (
	"errors"
	"fmt"
	"testing"
)

// replyError is an error reply of Redis, as go-redis returns it.
type replyError string

func (e replyError) Error() string { return string(e) }
func (replyError) RedisError()     {}

func TestUnavailable(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{replyError("TRYAGAIN Multiple keys request during rehashing of slot"), true},
		{replyError("ASK 6965 127.0.0.1:6423"), true},
		{replyError("MOVED 6965 127.0.0.1:6423"), true},
		{replyError("CLUSTERDOWN The cluster is down"), true},
		{replyError("READONLY You can't write against a read only replica."), true},
		{fmt.Errorf("redisstore: accept: %w", replyError("ASK 1 127.0.0.1:7000")), true},
		{replyError("CROSSSLOT Keys in request don't hash to the same slot"), false}, // a bug, not an outage
		{replyError("ERR unknown command"), false},
		{errors.New("ASK me anything"), false},
	}
	for _, tt := range tests {
		if got := Unavailable(tt.err); got != tt.want {
			t.Errorf("Unavailable(%q) = %v; want %v", tt.err, got, tt.want)
		}
	}
}
