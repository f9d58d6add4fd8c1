package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/dispatch"
	"github.com/heartlink/heartlink/fleet"
	"github.com/heartlink/heartlink/realtime"
	"github.com/heartlink/heartlink/report"
)

// upgrader keeps per-connection memory small: a small read buffer and write
// buffers shared through a pool, since most sockets idle. It pays off
// because the handler returns once the socket runs (see handleLive): while
// a handler runs, net/http keeps buffers of its own alive.
var upgrader = websocket.Upgrader{
	ReadBufferSize:  1024,
	WriteBufferSize: 4096,
	WriteBufferPool: &sync.Pool{},
	// Origins are checked by checkOrigin before Upgrade is called.
	CheckOrigin: func(*http.Request) bool { return true },
	// A request that is not a websocket handshake gets the API's error body.
	Error: func(w http.ResponseWriter, r *http.Request, status int, reason error) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(errorBody(heartlink.Errorf(heartlink.EBadRequest, "%s", reason.Error())))
	},
}

// handleLive opens a live channel for callers of role.
func (s *Server) handleLive(role heartlink.Role) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l := s.live
		if l == nil {
			s.error(w, r, heartlink.Errorf(heartlink.ENotFound, "live channels are off"))
			return
		}
		if !s.allow(w, r, "addr:"+s.clientAddr(r), s.cfg.Limits.PerAddress, s.cfg.Limits.PerAddressBurst) {
			return
		}
		if !l.checkOrigin(r) {
			s.error(w, r, heartlink.Errorf(heartlink.EForbidden, "origin %q is not allowed", r.Header.Get("Origin")))
			return
		}
		// Joining writes the socket's lease: a replica would refuse it.
		if err := s.refuse(true); err != nil {
			s.error(w, r, err)
			return
		}
		by, tokenID, err := l.authenticate(r)
		if err != nil {
			s.error(w, r, err)
			return
		}
		if by.Role != role {
			s.error(w, r, heartlink.Errorf(heartlink.EForbidden, "this channel is for %ss", role))
			return
		}
		if err := mustBeActive(by); err != nil {
			s.error(w, r, err)
			return
		}
		after := r.URL.Query().Get("last_event_id")
		if after != "" && !validEventID(after) {
			s.error(w, r, heartlink.FieldError(heartlink.EInvalid, "last_event_id", "last_event_id must be an event id such as 1764300000000-0"))
			return
		}
		sess := &session{l: l, by: by, tokenID: tokenID, id: l.sessions.newID()}
		if err := l.join(r.Context(), sess); err != nil {
			if heartlink.ErrorCode(err) == heartlink.ERateLimited {
				// Sockets whose peer vanished linger until PongTimeout.
				w.Header().Set("Retry-After", "10")
			}
			s.error(w, r, err)
			return
		}
		if !l.enter() {
			l.leave(sess)
			s.error(w, r, heartlink.Errorf(heartlink.EUnavailable, "shutting down; reconnect"))
			return
		}
		// The server's WriteTimeout bounds an HTTP answer; a socket lives
		// on, and its writer sets a deadline for each frame.
		http.NewResponseController(w).SetWriteDeadline(time.Time{})
		ws, err := realtime.Upgrade(&upgrader, w, r, nil)
		if err != nil {
			l.leave(sess)
			l.wg.Done()
			return // the upgrader has answered, with the JSON error body
		}
		opts := l.cfg.Conn
		if role == heartlink.RoleCoordinator {
			// A board takes every change of the fleet: at a busy minute,
			// thousands of frames may wait for it without it being slow.
			opts.SendQueue = l.boardQueue()
			opts.Linger = l.cfg.BoardLinger
		}
		c := realtime.NewConn(ws, opts)
		if !l.sessions.attach(sess, c) {
			c.Close(CloseRevoked, revokedReason)
		} else if err := sess.start(l.ctx, after); err != nil {
			l.log.Warn("live: start session", "caller", by.String(), "err", err)
			c.Close(1011, "could not start; try again")
		}
		// The socket runs on a goroutine of its own and the handler
		// returns, freeing net/http's buffers; RunLive waits for it.
		go func() {
			defer l.wg.Done()
			defer l.leave(sess)
			c.Run(l.ctx, sess.receive)
		}()
	})
}

// authenticate accepts a bearer token (programs) or a one-time ticket in
// the URL (browsers); a long-lived token in a URL is refused. It returns
// the caller and the fleet.TokenID of the token the socket stands on.
func (l *live) authenticate(r *http.Request) (heartlink.Principal, string, error) {
	if t := r.URL.Query().Get("ticket"); t != "" {
		return l.cfg.Tickets.RedeemTicket(r.Context(), t)
	}
	if r.URL.Query().Has("token") || r.URL.Query().Has("access_token") {
		return heartlink.Principal{}, "", heartlink.Errorf(heartlink.EUnauthorized, "tokens never go in URLs: send Authorization: Bearer, or get a ticket from POST /api/v1/realtime/tickets")
	}
	tok := BearerToken(r)
	by, err := l.s.cfg.Fleet.Authenticate(r.Context(), tok)
	return by, fleet.TokenID(tok), err
}

// checkOrigin allows programs (no Origin), the server's own pages and the
// configured origins.
func (l *live) checkOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	if err != nil {
		return false
	}
	if strings.EqualFold(u.Host, r.Host) {
		return true
	}
	for _, a := range l.cfg.Origins {
		if strings.EqualFold(strings.TrimSuffix(a, "/"), o) {
			return true
		}
	}
	return false
}

func validEventID(id string) bool {
	ms, seq, ok := strings.Cut(id, "-")
	return ok && ms != "" && seq != "" && len(id) <= 40 &&
		strings.Trim(ms, "0123456789") == "" && strings.Trim(seq, "0123456789") == ""
}

// session is one client's live channel.
type session struct {
	l  *live
	c  *realtime.Conn // set by sessions.attach once upgraded
	by heartlink.Principal
	// tokenID names the token the socket was opened with (fleet.TokenID).
	tokenID string
	// id names the socket on every instance, for the per-account count.
	id string
	// gone is set when that token is revoked; sessions.mu guards it.
	gone bool
	// locations limits the driver's location updates, frames every other
	// frame; only the reader goroutine uses them.
	locations, frames bucket
}

// bucket is a token bucket holding up to twice the rate, refilled
// continuously. A socket belongs to one instance, so its limit needs no
// Redis round trip.
type bucket struct {
	tokens float64
	last   time.Time
}

func (b *bucket) allow(now time.Time, rate int) bool {
	burst := float64(2 * rate)
	if b.last.IsZero() {
		b.tokens = burst
	} else {
		b.tokens = min(burst, b.tokens+now.Sub(b.last).Seconds()*float64(rate))
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// audiences are the change audiences the caller belongs to.
func (s *session) audiences() []string {
	switch s.by.Role {
	case heartlink.RoleDriver:
		return []string{"driver:" + s.by.ID, "drivers"}
	case heartlink.RoleRequester:
		return []string{"requester:" + s.by.ID}
	}
	return []string{"board"}
}

// start subscribes the connection and brings it up to date: the changes it
// missed since after when the stream still holds them all, else a snapshot.
// Frames published meanwhile are held and follow, without duplicates, so
// that ids keep increasing.
func (s *session) start(ctx context.Context, after string) error {
	s.c.Hold()
	for _, a := range s.audiences() {
		s.l.hub.Subscribe(topic(a), s.c)
	}
	defer s.c.Release()
	if after != "" {
		missed, complete, err := s.l.cfg.Feed.History(ctx, after, s.audiences(), s.l.historyLimit())
		if err != nil {
			return err
		}
		if complete {
			var ids, driverIDs []string
			for _, ch := range missed {
				if id, driver := tripOf(ch); id != "" {
					ids = append(ids, id)
					if driver != "" {
						driverIDs = append(driverIDs, driver)
					}
				}
			}
			trips, drivers, err := s.l.read(ctx, ids, driverIDs)
			if err != nil {
				return err
			}
			for _, ch := range missed {
				frames := s.l.render(ch, []string{s.audienceOf(ch)}, trips, drivers)
				if frames[0] != nil {
					s.c.Prime(ch.ID, frames[0])
				}
			}
			return nil
		}
	}
	last, err := s.l.cfg.Feed.LastChange(ctx)
	if err != nil {
		return err
	}
	snap, err := s.snapshot(ctx)
	if err != nil {
		return err
	}
	frame, err := realtime.Encode("snapshot", last, snap)
	if err != nil {
		return err
	}
	s.c.Prime(last, frame)
	return nil
}

// audienceOf is which of the caller's audiences a change reached it as.
func (s *session) audienceOf(c dispatch.Change) string {
	for _, a := range s.audiences() {
		if c.For(a) {
			return a
		}
	}
	return s.audiences()[0]
}

// snapshot is the caller's whole current picture.
func (s *session) snapshot(ctx context.Context) (any, error) {
	d := s.l.s.cfg.Dispatch
	now := s.l.s.cfg.Clock.Now()
	views := func(ts []*dispatch.Trip) []dispatch.View {
		out := make([]dispatch.View, 0, len(ts))
		for _, t := range ts {
			if a := s.l.s.cfg.Policy.AccessFor(t, s.by, false, now); a != dispatch.NoAccess {
				out = append(out, dispatch.ViewOf(t, a))
			}
		}
		return out
	}
	switch s.by.Role {
	case heartlink.RoleDriver:
		offers, err := d.Offers(ctx, s.by)
		if err != nil {
			return nil, err
		}
		mine, err := d.Trips(ctx, s.by, dispatch.Filter{Limit: 50})
		if err != nil {
			return nil, err
		}
		return map[string]any{"offers": nonNil(offers), "trips": views(mine)}, nil
	case heartlink.RoleRequester:
		mine, err := d.Trips(ctx, s.by, dispatch.Filter{Limit: 200})
		if err != nil {
			return nil, err
		}
		return map[string]any{"trips": views(mine)}, nil
	}
	return s.l.boardSnapshot(ctx, views)
}

// boardDriver is a driver on the board.
type boardDriver struct {
	DriverID string         `json:"driver_id"`
	Name     string         `json:"name"`
	Status   fleet.Presence `json:"status"`
	Lat      float64        `json:"lat"`
	Lng      float64        `json:"lng"`
	Vehicle  fleet.Vehicle  `json:"vehicle"`
}

// alert is a trip that needs a coordinator.
type alert struct {
	TripID string `json:"trip_id"`
	Reason string `json:"reason"`
}

// atRisk is how close to its pickup an open trip is raised as at risk.
const atRisk = 15 * time.Minute

func (l *live) boardSnapshot(ctx context.Context, views func([]*dispatch.Trip) []dispatch.View) (any, error) {
	drivers, err := l.s.cfg.Fleet.Drivers(ctx)
	if err != nil {
		return nil, err
	}
	online := []boardDriver{}
	for _, d := range drivers {
		if d.Status == fleet.Online && d.Location != nil {
			online = append(online, boardDriver{d.ID, d.Name, d.Status, d.Location.Lat, d.Location.Lng, d.Vehicle})
		}
	}
	var trips []*dispatch.Trip
	alerts := []alert{}
	now := l.s.cfg.Clock.Now()
	open, err := l.s.cfg.Dispatch.Trips(ctx, system, dispatch.Filter{Open: true, Limit: 500})
	if err != nil {
		return nil, err
	}
	for _, t := range open {
		trips = append(trips, t)
		switch {
		case t.Status == dispatch.Unassigned:
			alerts = append(alerts, alert{t.ID, "unassigned"})
		case t.PickupAt.Sub(now) < atRisk:
			alerts = append(alerts, alert{t.ID, "at_risk"})
		}
	}
	if l.s.cfg.Alerts != nil {
		// Trips nobody carried stay on the board, past their deadline and
		// out of the open list, until a coordinator closes their alert.
		unserved, err := l.s.cfg.Alerts.UnservedTrips(ctx)
		if err != nil {
			return nil, err
		}
		for _, t := range unserved {
			if t.Open() {
				trips = append(trips, t) // an assigned one is listed below
			}
			alerts = append(alerts, alert{t.ID, "unserved"})
		}
	}
	for _, st := range []dispatch.Status{dispatch.Assigned, dispatch.Arrived, dispatch.PickedUp} {
		active, err := l.s.cfg.Dispatch.Trips(ctx, system, dispatch.Filter{Status: st, Limit: 500})
		if err != nil {
			return nil, err
		}
		trips = append(trips, active...)
	}
	snap := map[string]any{"drivers": online, "trips": views(trips), "alerts": alerts}
	if l.s.cfg.Safety != nil {
		// Open SOS stay on every board, through reconnects, until resolved.
		sos, err := l.s.cfg.Safety.OpenSOS(ctx, system)
		if err != nil {
			return nil, err
		}
		snap["sos"] = sos
	}
	if l.s.cfg.Reports != nil {
		// Reports not yet resolved stay on every board, newest first.
		reports, err := l.s.cfg.Reports.UnresolvedReports(ctx, system)
		if err != nil {
			return nil, err
		}
		if reports == nil {
			reports = []report.Report{}
		}
		snap["reports"] = reports
	}
	return snap, nil
}

func (l *live) historyLimit() int {
	if l.cfg.HistoryLimit > 0 {
		return l.cfg.HistoryLimit
	}
	return 1000
}
