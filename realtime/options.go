package realtime

import "time"

// Options tune a connection. The zero value of each field means its default.
type Options struct {
	SendQueue     int           // frames queued per connection before it counts as slow (default 256)
	WriteTimeout  time.Duration // deadline for each write (default 10s)
	PongTimeout   time.Duration // dead-peer detection: no pong/frame for this long closes (default 60s)
	PingInterval  time.Duration // (default PongTimeout*9/10)
	ReadLimit     int64         // largest frame a client may send, bytes (default 16 KiB); larger → close 1009
	CoalesceEvery time.Duration // how often coalesced frames are flushed (default 1s)
	// Linger, when above zero, holds a queued frame back for up to this
	// long so that the frames queued after it go out in the same write:
	// for a socket that takes many frames a second (a board), one system
	// call and one wake-up of the peer instead of one each. Zero, the
	// default, writes each frame as soon as the writer is free.
	Linger time.Duration
}

// Defaults for the zero fields of Options.
const (
	DefaultSendQueue     = 256
	DefaultWriteTimeout  = 10 * time.Second
	DefaultPongTimeout   = 60 * time.Second
	DefaultReadLimit     = 16 << 10
	DefaultCoalesceEvery = time.Second
)

// withDefaults fills every zero or negative field with its default. A
// PingInterval at or beyond PongTimeout is lowered too: a ping whose pong
// cannot arrive before the deadline keeps nothing alive.
func (o Options) withDefaults() Options {
	if o.SendQueue <= 0 {
		o.SendQueue = DefaultSendQueue
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = DefaultWriteTimeout
	}
	if o.PongTimeout <= 0 {
		o.PongTimeout = DefaultPongTimeout
	}
	if o.PingInterval <= 0 || o.PingInterval >= o.PongTimeout {
		o.PingInterval = o.PongTimeout * 9 / 10
	}
	if o.ReadLimit <= 0 {
		o.ReadLimit = DefaultReadLimit
	}
	if o.CoalesceEvery <= 0 {
		o.CoalesceEvery = DefaultCoalesceEvery
	}
	return o
}
