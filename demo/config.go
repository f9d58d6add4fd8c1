package demo

import (
	"log/slog"
	"strings"
)

// Config says where the server is and how big and how fast the city is.
// The zero value of every field but BaseURL and AdminToken has a default.
type Config struct {
	BaseURL    string // the running server, e.g. http://127.0.0.1:8080
	AdminToken string // a coordinator's token
	Drivers    int    // simulated volunteers; 0 means 200
	Schools    int    // schools booking exam escorts; 0 means 6
	Seed       int64  // the same seed draws the same city
	// Pace speeds the city up: 1 (or 0) is realistic human delays and
	// booking rates; tests use more. Driving is always shown faster than
	// life (see driveSecondsPerKm).
	Pace   float64
	Logger *slog.Logger // nil: no logging
	// Stats, if set, is where Run counts what happened, for a caller that
	// wants to read it; nil means a fresh one, only logged.
	Stats *Stats
}

// Tokens are credentials for a person to try the pages with. The
// simulation never uses them, so what a person does with them is theirs.
type Tokens struct{ Coordinator, Driver, Requester string }

// withDefaults returns c with its zero fields filled in.
func (c Config) withDefaults() Config {
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.Drivers <= 0 {
		c.Drivers = 200
	}
	if c.Schools <= 0 {
		c.Schools = 6
	}
	if c.Pace <= 0 {
		c.Pace = 1
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Stats == nil {
		c.Stats = NewStats()
	}
	return c
}
