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
		json.NewEncoder(w).Encode(ErrorBody{ErrorDetail{Code: heartlink.EBadRequest, Message: reason.Error()}})
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
		by, tokenID, err := l.authenticate(r)
		if err != nil {
			s.error(w, r, err)
			return
		}
		if by.Role != role {
			s.error(w, r, heartlink.Errorf(heartlink.EForbidden, "this channel is for %ss", role))
			return
		}
		after := r.URL.Query().Get("last_event_id")
		if after != "" && !validEventID(after) {
			s.error(w, r, heartlink.FieldError(heartlink.EInvalid, "last_event_id", "last_event_id must be an event id such as 1764300000000-0"))
			return
		}
		sess := &session{l: l, by: by, tokenID: tokenID}
		if err := l.sessions.join(sess, l.perAccount(role)); err != nil {
			if heartlink.ErrorCode(err) == heartlink.ERateLimited {
				// Sockets whose peer vanished linger until PongTimeout.
				w.Header().Set("Retry-After", "10")
			}
			s.error(w, r, err)
			return
		}
		if !l.enter() {
			l.sessions.leave(sess)
			s.error(w, r, heartlink.Errorf(heartlink.EUnavailable, "shutting down; reconnect"))
			return
		}
		// The server's WriteTimeout bounds an HTTP answer; a socket lives
		// on, and its writer sets a deadline for each frame.
		http.NewResponseController(w).SetWriteDeadline(time.Time{})
		ws, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			l.sessions.leave(sess)
			l.wg.Done()
			return // the upgrader has answered, with the JSON error body
		}
		opts := l.cfg.Conn
		if role == heartlink.RoleCoordinator {
			// A board takes every change of the fleet: at a busy minute,
			// thousands of frames may wait for it without it being slow.
			opts.SendQueue = l.boardQueue()
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
			defer l.sessions.leave(sess)
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
	// gone is set when that token is revoked; sessions.mu guards it.
	gone bool
	// locations limits the driver's location updates, frames every other
	// frame; only the reader goroutine uses them.
	locations, frames bucket
}

// allow counts a frame of type typ ("" when unreadable) against its limit.
func (s *session) allow(typ string) error {
	if typ == "location" {
		if !s.locations.allow(time.Now(), s.l.locationRate()) {
			return heartlink.Errorf(heartlink.ERateLimited, "too many location updates; at most %d a second", s.l.locationRate())
		}
		return nil
	}
	if !s.frames.allow(time.Now(), s.l.frameRate()) {
		return heartlink.Errorf(heartlink.ERateLimited, "too many frames; at most %d a second besides locations", s.l.frameRate())
	}
	return nil
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
			var ids []string
			for _, ch := range missed {
				if id := tripOf(ch); id != "" {
					ids = append(ids, id)
				}
			}
			trips, err := s.l.trips(ctx, ids)
			if err != nil {
				return err
			}
			drivers := s.l.drivers(ctx, trips)
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
	for _, st := range []dispatch.Status{dispatch.Assigned, dispatch.Arrived, dispatch.PickedUp} {
		active, err := l.s.cfg.Dispatch.Trips(ctx, system, dispatch.Filter{Status: st, Limit: 500})
		if err != nil {
			return nil, err
		}
		trips = append(trips, active...)
	}
	return map[string]any{"drivers": online, "trips": views(trips), "alerts": alerts}, nil
}

func (l *live) historyLimit() int {
	if l.cfg.HistoryLimit > 0 {
		return l.cfg.HistoryLimit
	}
	return 1000
}

// request is a client's frame: a type, a request_id to answer to, and the
// fields of that type.
type request struct {
	RequestID string           `json:"request_id"`
	TripID    string           `json:"trip_id"`
	Lat       *float64         `json:"lat"`
	Lng       *float64         `json:"lng"`
	Status    fleet.Presence   `json:"status"`
	Location  *heartlink.Point `json:"location"`
}

// receive answers one frame from the client with ack or error. The same
// rules and errors as the HTTP API apply: the same services do the work.
// Every frame is counted against a limit first, even one that cannot be
// read: a flood of any kind must not reach Redis, the boards or the
// resume history.
func (s *session) receive(ctx context.Context, frame []byte) {
	msg, decodeErr := realtime.Decode(frame)
	if decodeErr == nil {
		// Decode keeps the last of a key given twice; such a frame says
		// two things, and is refused like a body that does.
		if err := heartlink.StrictJSON(frame, new(map[string]json.RawMessage)); err != nil {
			decodeErr = decodeError(err)
		}
	}
	var req request
	if decodeErr == nil && len(msg.Data) > 0 {
		if err := heartlink.StrictJSON(msg.Data, &req); err != nil {
			decodeErr = decodeError(err)
		}
	}
	if err := s.allow(msg.Type); err != nil {
		s.c.Send(errorFrame(req.RequestID, err))
		return
	}
	if decodeErr != nil {
		if msg.Type == "" {
			decodeErr = heartlink.Errorf(heartlink.EBadRequest, "a frame must be a JSON object with a type")
		}
		s.c.Send(errorFrame("", decodeErr))
		return
	}
	if req.RequestID == "" || len(req.RequestID) > 64 {
		s.c.Send(errorFrame(req.RequestID, heartlink.FieldError(heartlink.EInvalid, "request_id", "every request needs a request_id of 1 to 64 characters")))
		return
	}
	if s.by.Role != heartlink.RoleDriver {
		s.c.Send(errorFrame(req.RequestID, heartlink.Errorf(heartlink.EForbidden, "this channel only listens")))
		return
	}
	do, ok := s.actions()[msg.Type]
	if !ok {
		s.c.Send(errorFrame(req.RequestID, heartlink.FieldError(heartlink.EInvalid, "type", "unknown request type %q", msg.Type)))
		return
	}
	if msg.Type == "location" {
		// Positions come every few seconds from every driver and repeating
		// one is harmless: answered directly, in one round trip, not kept.
		data, err := do(ctx, req)
		if err != nil {
			s.c.Send(s.errorFrame(msg.Type, req.RequestID, err))
			return
		}
		s.c.Send(ackFrame(req.RequestID, data))
		return
	}
	answer, err := s.l.cfg.Replies.Once(ctx, s.by.String()+":"+req.RequestID, func() ([]byte, bool) {
		data, err := do(ctx, req)
		if err != nil {
			return s.errorFrame(msg.Type, req.RequestID, err), heartlink.ErrorCode(err) != heartlink.EInternal
		}
		return ackFrame(req.RequestID, data), true
	})
	if err != nil {
		answer = s.errorFrame(msg.Type, req.RequestID, err)
	}
	s.c.Send(answer)
}

type action func(ctx context.Context, req request) (any, error)

func (s *session) actions() map[string]action {
	d := s.l.s.cfg.Dispatch
	view := func(t *dispatch.Trip) any {
		return dispatch.ViewOf(t, s.l.s.cfg.Policy.AccessFor(t, s.by, false, s.l.s.cfg.Clock.Now()))
	}
	needTrip := func(req request) error {
		if req.TripID == "" {
			return heartlink.FieldError(heartlink.EInvalid, "trip_id", "trip_id is required")
		}
		return nil
	}
	return map[string]action{
		"accept": func(ctx context.Context, req request) (any, error) {
			if err := needTrip(req); err != nil {
				return nil, err
			}
			t, err := d.Accept(ctx, s.by, req.TripID)
			if err != nil {
				return nil, err
			}
			return map[string]any{"trip": view(t)}, nil
		},
		"decline": func(ctx context.Context, req request) (any, error) {
			if err := needTrip(req); err != nil {
				return nil, err
			}
			return map[string]any{"trip_id": req.TripID, "declined": true}, d.Decline(ctx, s.by, req.TripID)
		},
		"location": func(ctx context.Context, req request) (any, error) {
			if err := heartlink.RequireCoords(req.Lat, req.Lng); err != nil {
				return nil, decodeError(err)
			}
			return map[string]any{"moved": true}, s.l.cfg.Mover.Move(ctx, s.by.ID, heartlink.Point{Lat: *req.Lat, Lng: *req.Lng})
		},
		"presence": func(ctx context.Context, req request) (any, error) {
			u := fleet.PresenceUpdate{Status: req.Status, Location: req.Location}
			if err := u.Validate(); err != nil {
				return nil, err
			}
			d, err := s.l.s.cfg.Fleet.SetPresence(ctx, s.by.ID, u)
			if err != nil {
				return nil, err
			}
			return map[string]any{"status": d.Status}, nil
		},
	}
}

func (l *live) frameRate() int {
	if l.cfg.FrameRate > 0 {
		return l.cfg.FrameRate
	}
	return DefaultFrameRate
}

func (l *live) locationRate() int {
	if l.cfg.LocationRate > 0 {
		return l.cfg.LocationRate
	}
	return 1
}

// errorFrame is the live channel's error: the same code, message and field
// as the HTTP API's error body, with the request_id it answers. The one
// place errors become frames.
func errorFrame(requestID string, err error) []byte {
	b, _ := realtime.Encode("error", "", struct {
		RequestID string `json:"request_id,omitempty"`
		ErrorDetail
	}{requestID, ErrorDetail{Code: heartlink.ErrorCode(err), Message: heartlink.ErrorMessage(err), Field: heartlink.ErrorField(err)}})
	return b
}

// errorFrame is errorFrame, with internal errors logged once, here.
func (s *session) errorFrame(typ, requestID string, err error) []byte {
	if heartlink.ErrorCode(err) == heartlink.EInternal {
		s.l.log.Error("live request failed", "type", typ, "caller", s.by.String(), "err", err)
	}
	return errorFrame(requestID, err)
}

func ackFrame(requestID string, data any) []byte {
	b, _ := json.Marshal(data)
	f, _ := realtime.Encode("ack", "", struct {
		RequestID string          `json:"request_id"`
		Result    json.RawMessage `json:"result"`
	}{requestID, b})
	return f
}
