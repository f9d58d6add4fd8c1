package demo

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Stats counts what the simulated city did and what the server answered.
// Its methods are safe for concurrent use; the zero value is not, use
// NewStats.
type Stats struct {
	start time.Time

	drivers, online, requesters, places                              atomic.Int64
	requested, cancelled, offers, withdrawn                          atomic.Int64
	accepted, declined, ignored, lost, claimed, released             atomic.Int64
	arrived, pickedUp, completed, dropped                            atomic.Int64
	requeued, unassignedAlerts                                       atomic.Int64
	confirmed, waiting, withdrawals, promoted, announcements         atomic.Int64
	locations, boardFrames, requesterFrames, rateLimited, reconnects atomic.Int64
	firstBoardDriver, firstBoardTrip                                 atomic.Int64 // ns after start; 0 until seen

	mu         sync.Mutex     // mu guards errors and unexpected
	errors     map[string]int // "op code" → how many
	unexpected int
}

// NewStats returns empty counters, timed from now.
func NewStats() *Stats { return &Stats{start: time.Now(), errors: make(map[string]int)} }

// Counts is a copy of the counters at one moment.
type Counts struct {
	Drivers, Online, Requesters, Places int64 // registered; online now
	Requested, Cancelled                int64 // trips booked and called off by requesters
	Offers, Withdrawn                   int64 // offers that reached drivers; withdrawn before an answer
	Accepted, Declined, Ignored         int64 // drivers' answers (ignored: let expire)
	Lost                                int64 // accepts that came too late: taken, clashing or gone
	Claimed, Released                   int64 // open trips claimed by hand; trips dropped after accepting
	Arrived, PickedUp, Completed        int64 // progress reported
	Dropped                             int64 // trips a driver stopped carrying: cancelled or changed under it
	Requeued, UnassignedAlerts          int64 // coordinator's actions; alerts the board saw
	Confirmed, Waiting                  int64 // campaign sign-ups
	Withdrawals, Promoted               int64 // withdrawals; waiting drivers let in (signup frames)
	Announcements                       int64 // sign-up window news that reached drivers
	Locations                           int64 // location updates the server acknowledged
	BoardFrames, RequesterFrames        int64 // frames the live board and the requesters' sockets got
	RateLimited, Reconnects             int64 // 429s; sockets opened again after a drop
	FirstBoardDriver, FirstBoardTrip    time.Duration
	Errors                              map[string]int // by "op code", expected ones included
	Unexpected                          int            // errors a healthy server should never give
}

// Counts returns the counters now.
func (s *Stats) Counts() Counts {
	s.mu.Lock()
	errs, unexpected := maps.Clone(s.errors), s.unexpected
	s.mu.Unlock()
	return Counts{
		Drivers: s.drivers.Load(), Online: s.online.Load(), Requesters: s.requesters.Load(), Places: s.places.Load(),
		Requested: s.requested.Load(), Cancelled: s.cancelled.Load(),
		Offers: s.offers.Load(), Withdrawn: s.withdrawn.Load(),
		Accepted: s.accepted.Load(), Declined: s.declined.Load(), Ignored: s.ignored.Load(), Lost: s.lost.Load(),
		Claimed: s.claimed.Load(), Released: s.released.Load(),
		Arrived: s.arrived.Load(), PickedUp: s.pickedUp.Load(), Completed: s.completed.Load(), Dropped: s.dropped.Load(),
		Requeued: s.requeued.Load(), UnassignedAlerts: s.unassignedAlerts.Load(),
		Confirmed: s.confirmed.Load(), Waiting: s.waiting.Load(), Withdrawals: s.withdrawals.Load(),
		Promoted: s.promoted.Load(), Announcements: s.announcements.Load(),
		Locations: s.locations.Load(), BoardFrames: s.boardFrames.Load(), RequesterFrames: s.requesterFrames.Load(),
		RateLimited: s.rateLimited.Load(), Reconnects: s.reconnects.Load(),
		FirstBoardDriver: time.Duration(s.firstBoardDriver.Load()), FirstBoardTrip: time.Duration(s.firstBoardTrip.Load()),
		Errors: errs, Unexpected: unexpected,
	}
}

// fail counts an error answer to op; expected ones are part of life
// (another driver was faster), the rest should not happen.
func (s *Stats) fail(op, code string, expected bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errors[op+" "+code]++
	if !expected {
		s.unexpected++
	}
}

// seen records the first time something happened, as time since start.
func (s *Stats) seen(first *atomic.Int64) {
	first.CompareAndSwap(0, int64(max(time.Since(s.start), 1)))
}

// String is a summary for a log line.
func (s *Stats) String() string { return s.Counts().String() }

func (c Counts) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "drivers %d (online %d), requesters %d, places %d", c.Drivers, c.Online, c.Requesters, c.Places)
	fmt.Fprintf(&b, "; trips requested %d, cancelled %d", c.Requested, c.Cancelled)
	fmt.Fprintf(&b, "; offers %d: accepted %d, declined %d, ignored %d, too late %d, withdrawn %d",
		c.Offers, c.Accepted, c.Declined, c.Ignored, c.Lost, c.Withdrawn)
	fmt.Fprintf(&b, "; claimed %d, released %d", c.Claimed, c.Released)
	fmt.Fprintf(&b, "; arrived %d, picked up %d, completed %d, dropped %d", c.Arrived, c.PickedUp, c.Completed, c.Dropped)
	fmt.Fprintf(&b, "; unassigned alerts %d, requeued %d", c.UnassignedAlerts, c.Requeued)
	fmt.Fprintf(&b, "; sign-ups %d confirmed, %d waiting, %d withdrawn, %d let in, %d announcements",
		c.Confirmed, c.Waiting, c.Withdrawals, c.Promoted, c.Announcements)
	fmt.Fprintf(&b, "; locations %d; board frames %d, requester frames %d", c.Locations, c.BoardFrames, c.RequesterFrames)
	if c.FirstBoardDriver > 0 {
		fmt.Fprintf(&b, "; board saw a driver after %s", c.FirstBoardDriver.Round(10*time.Millisecond))
	}
	if c.FirstBoardTrip > 0 {
		fmt.Fprintf(&b, ", a trip after %s", c.FirstBoardTrip.Round(10*time.Millisecond))
	}
	fmt.Fprintf(&b, "; 429s %d, reconnects %d; errors", c.RateLimited, c.Reconnects)
	if len(c.Errors) == 0 {
		b.WriteString(" none")
	}
	for _, k := range slices.Sorted(maps.Keys(c.Errors)) {
		fmt.Fprintf(&b, " [%s]=%d", k, c.Errors[k])
	}
	fmt.Fprintf(&b, " (unexpected %d)", c.Unexpected)
	return b.String()
}
