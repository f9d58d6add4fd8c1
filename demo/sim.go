package demo

import (
	"log/slog"
	"math"
	"math/rand/v2"
	"sync/atomic"
	"time"
)

// sim is what every actor of one simulation shares.
type sim struct {
	cfg      Config
	c        *client
	stats    *Stats
	log      *slog.Logger
	admin    caller                   // the coordinator's token, for setup and the board
	campaign atomic.Pointer[Campaign] // set once the campaign exists
	places   []Place                  // the landmarks, fixed before any actor starts
	pins     pins                     // the riders' handover PINs
}

func newSim(cfg Config) *sim {
	s := &sim{
		cfg:   cfg,
		c:     newClient(cfg.BaseURL, cfg.Stats),
		stats: cfg.Stats,
		log:   cfg.Logger,
		admin: newCaller(cfg.AdminToken, adminRate, adminBurst),
	}
	s.places = append(s.places, landmarks...)
	return s
}

// ofKind returns the landmarks of one kind.
func (s *sim) ofKind(kind placeKind) []Place {
	var out []Place
	for _, p := range s.places {
		if p.Kind == kind {
			out = append(out, p)
		}
	}
	return out
}

// scaled is d at the simulation's pace.
func (s *sim) scaled(d time.Duration) time.Duration {
	return time.Duration(float64(d) / s.cfg.Pace)
}

// human is a person's delay between lo and hi, at the simulation's pace.
func (s *sim) human(rng *rand.Rand, lo, hi time.Duration) time.Duration {
	return s.scaled(lo + time.Duration(rng.Int64N(int64(hi-lo)+1)))
}

// spell is a random stretch of time averaging mean (exponentially
// distributed, as the length of a shift at the wheel or a coffee break
// is), at least lo, at the simulation's pace.
func (s *sim) spell(rng *rand.Rand, mean, lo time.Duration) time.Duration {
	return s.scaled(max(time.Duration(rng.ExpFloat64()*float64(mean)), lo))
}

// driveSecondsPerKm is how long a simulated car takes for a kilometre of
// straight line at Pace 1. Real city driving is about 150 s; the demo
// shows it ten times faster, so that a person watching the board sees
// trips end within a minute or two rather than a quarter of an hour.
// Everything people do (answering, boarding, booking) keeps its real pace.
const driveSecondsPerKm = 15.0

// driveTime is how long a car takes from a to b.
func (s *sim) driveTime(a, b point) time.Duration {
	secs := math.Max(a.km(b)*driveSecondsPerKm, 2)
	return s.scaled(time.Duration(secs * float64(time.Second)))
}

// rngFor returns a random source of its own for actor i of a kind, drawn
// from the seed: the same seed draws the same city.
func (s *sim) rngFor(kind uint64, i int) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(s.cfg.Seed), kind<<32|uint64(i)))
}

// Kinds of actor, for rngFor.
const (
	rngSeed uint64 = iota + 1
	rngDriver
	rngBooking
	rngBoard
)
