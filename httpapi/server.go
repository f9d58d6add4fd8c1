// Package httpapi serves Heart-Link's JSON API over HTTP: routes, request
// decoding and validation, authentication, rate limits, the error mapping
// and metrics. It speaks the domain's types and knows nothing of Redis.
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/campaign"
	"github.com/heartlink/heartlink/dispatch"
	"github.com/heartlink/heartlink/fleet"
)

// Limiter allows or refuses one more request for a key under a limit.
type Limiter interface {
	// Allow reports whether a request for key is allowed at rate per
	// second with the given burst; when not, how long until one would be.
	Allow(ctx context.Context, key string, rate, burst int) (ok bool, retryAfter time.Duration, err error)
}

// Limits are per-second request rates with bursts. A zero Rate switches
// that limit off.
type Limits struct {
	PerAddress      int // before authentication, per client address
	PerAddressBurst int
	PerToken        int // after authentication, per caller
	PerTokenBurst   int
	// PerAddressShared limits reads of guardian links, per client
	// address: no caller signs in there, and a family's page polls.
	PerAddressShared      int
	PerAddressSharedBurst int
}

// Config is what NewServer needs.
type Config struct {
	Fleet    fleet.Service
	Dispatch dispatch.Service
	Policy   dispatch.Policy
	Limiter  Limiter
	Limits   Limits
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed for the per-address limit; none by default, since any
	// client can set the header.
	TrustedProxies []netip.Prefix
	// Ready reports whether the store may be used, for /readyz: nil, or
	// why not — a heartlink.Error whose message /readyz shows (a replica,
	// lost data), or any other error for a store that does not answer.
	Ready func(context.Context) error
	// ReadyDetails, if set, adds fields to /readyz's body when ready:
	// what an operator should know of a store that serves (how durable).
	ReadyDetails func() map[string]any
	// Refuse, if set, is asked before each API request and live frame,
	// without a round trip, whether the store must be left alone: for
	// every request (it lost the fleet's data) or for a write (it is a
	// replica). Its error (unavailable) answers the request instead.
	Refuse func(write bool) error
	// Unavailable reports whether an error is the store failing to answer
	// (down, frozen, a replica): such failures are 503 unavailable with
	// Retry-After, over HTTP and as live error frames, never 500.
	Unavailable func(error) bool
	Clock       heartlink.Clock
	Logger      *slog.Logger
	// Metrics serves /metrics; nil serves nothing there.
	Metrics http.Handler
	// MaxBody caps request bodies in bytes; zero means 64 KiB.
	MaxBody int64
	// Live serves the websocket channels; nil switches them off.
	Live *LiveConfig
	// Campaigns keeps campaigns and sign-ups; OnCampaign, if set, is
	// called after one is created or changed (to reschedule its jobs).
	Campaigns  campaign.Service
	OnCampaign func()
	// Privacy answers riders' requests for their data and logs who read
	// riders' contact; nil switches both off.
	Privacy Privacy
	// Recurring keeps recurring bookings; nil switches them off.
	Recurring Recurring
	// Plans pools exam escorts into routes; nil switches planning off.
	Plans Plans
	// Idempotency keeps answers given under Idempotency-Key headers; nil
	// ignores the header.
	Idempotency Idempotency
	// Alerts keeps the alerts of trips that ended unserved; nil shows none.
	Alerts Alerts
	// Safety keeps guardian links and drivers' SOS; nil switches both off.
	Safety Safety
	// Reports keeps what drivers report from the road; nil switches
	// reports off.
	Reports Reports
	// Gates keeps check-ins at drop-offs' gates; nil switches them off.
	Gates Gates
	// Lost keeps the lost-property log; nil switches it off.
	Lost LostProperty
	// MaxPhoto caps each photo of a report in bytes, as uploaded; zero
	// means 5 MiB.
	MaxPhoto int64
	// PublicURL is where browsers reach the service, e.g.
	// "https://heartlink.example.org", for the links it hands out; empty:
	// the address each request came to.
	PublicURL string
}

// Server is the HTTP API.
type Server struct {
	cfg     Config
	log     *slog.Logger
	mux     *http.ServeMux
	metrics *httpMetrics
	live    *live
	// photos bounds how many report photos are decoded at once: each
	// takes memory by its pixels.
	photos chan struct{}
}

// NewServer returns the API as an http.Handler.
func NewServer(cfg Config) *Server {
	if cfg.Clock == nil {
		cfg.Clock = heartlink.SystemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxBody == 0 {
		cfg.MaxBody = 64 << 10
	}
	if cfg.MaxPhoto == 0 {
		cfg.MaxPhoto = 5 << 20
	}
	s := &Server{cfg: cfg, log: cfg.Logger, mux: http.NewServeMux(), metrics: newHTTPMetrics(),
		photos: make(chan struct{}, 2)}
	if cfg.Live != nil {
		s.live = newLive(s, *cfg.Live)
	}
	for _, rt := range s.routes() {
		s.mux.Handle(rt.method+" "+rt.pattern, s.instrument(rt.pattern, rt.handler))
	}
	return s
}

// ServeHTTP answers routes it knows and, as JSON errors, those it does not.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if _, pattern := s.mux.Handler(r); pattern == "" {
		s.unrouted(w, r)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// unrouted turns the mux's plain-text 404 and 405 into the JSON error body.
func (s *Server) unrouted(w http.ResponseWriter, r *http.Request) {
	h, _ := s.mux.Handler(r)
	rec := &statusRecorder{header: http.Header{}}
	h.ServeHTTP(rec, r)
	if rec.status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", rec.header.Get("Allow"))
		s.error(w, r, heartlink.Errorf(heartlink.EMethod, "%s is not allowed here", r.Method))
		return
	}
	s.error(w, r, heartlink.Errorf(heartlink.ENotFound, "no such endpoint: %s", r.URL.Path))
}

// statusRecorder keeps only the status and headers written to it.
type statusRecorder struct {
	header http.Header
	status int
}

func (w *statusRecorder) Header() http.Header         { return w.header }
func (w *statusRecorder) Write(b []byte) (int, error) { return len(b), nil }
func (w *statusRecorder) WriteHeader(code int)        { w.status = code }
