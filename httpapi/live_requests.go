package httpapi

import (
	"context"
	"encoding/json"
	"time"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/dispatch"
	"github.com/heartlink/heartlink/fleet"
	"github.com/heartlink/heartlink/realtime"
)

// request is a client's frame: a type, the fields of that type and,
// optionally, a request_id to answer to and to repeat the answer for.
type request struct {
	RequestID string           `json:"request_id"`
	TripID    string           `json:"trip_id"`
	Lat       *float64         `json:"lat"`
	Lng       *float64         `json:"lng"`
	Status    fleet.Presence   `json:"status"`
	Location  *heartlink.Point `json:"location"`
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

// receive answers one frame from the client with ack or error. The same
// rules and errors as the HTTP API apply: the same services do the work.
// Every frame is counted against a limit first, even one that cannot be
// read: a flood of any kind must not reach Redis, the boards or the
// resume history.
func (s *session) receive(ctx context.Context, frame []byte) {
	typ, req, decodeErr := readFrame(frame)
	if err := s.allow(typ); err != nil {
		s.c.Send(errorFrame(req.RequestID, err))
		return
	}
	if decodeErr != nil {
		s.c.Send(errorFrame(decodeErr.requestID, decodeErr.err))
		return
	}
	if s.by.Role != heartlink.RoleDriver {
		s.c.Send(errorFrame(req.RequestID, heartlink.Errorf(heartlink.EForbidden, "this channel only listens")))
		return
	}
	do, ok := s.actions()[typ]
	if !ok {
		s.c.Send(errorFrame(req.RequestID, heartlink.FieldError(heartlink.EInvalid, "type", "unknown request type %q", typ)))
		return
	}
	// Every request of a driver's socket changes something.
	if err := s.l.s.refuse(true); err != nil {
		s.c.Send(errorFrame(req.RequestID, err))
		return
	}
	if typ == "location" || req.RequestID == "" {
		// Positions come every few seconds from every driver and repeating
		// one is harmless: answered directly, in one round trip, not kept.
		// A request without a request_id cannot be told from a new one when
		// sent again, so its answer is not kept either.
		data, err := do(ctx, req)
		if err != nil {
			s.c.Send(s.errorFrame(ctx, typ, req.RequestID, err))
			return
		}
		s.c.Send(ackFrame(req.RequestID, data))
		return
	}
	act := func(ctx context.Context) ([]byte, bool) {
		data, err := do(ctx, req)
		if err != nil {
			// A failure is not the answer: the same request may succeed.
			code := heartlink.ErrorCode(err)
			return s.errorFrame(ctx, typ, req.RequestID, err), code != heartlink.EInternal && ctx.Err() == nil
		}
		return ackFrame(req.RequestID, data), true
	}
	key := s.by.String() + ":" + req.RequestID
	var answer []byte
	var err error
	if inlineReplies[typ] {
		answer, err = s.l.cfg.Replies.OnceWithin(ctx, key, act)
	} else {
		answer, err = s.l.cfg.Replies.Once(ctx, key, func() ([]byte, bool) { return act(ctx) })
	}
	if err != nil {
		answer = s.errorFrame(ctx, typ, req.RequestID, err)
	}
	s.c.Send(answer)
}

// inlineReplies are the request types whose store step marks the request
// as being answered itself, in its own round trip (redisstore.OnceWithin):
// an accept is one round trip, request_id or not.
var inlineReplies = map[string]bool{"accept": true, "decline": true}

// frameError is a frame refused before it is acted on, with the
// request_id its error frame carries.
type frameError struct {
	requestID string
	err       error
}

// readFrame reads a client's frame: its type ("" when unreadable), its
// fields, and why it is refused if it is. The type is read even from a
// frame that is refused, so that it counts against its own limit.
func readFrame(frame []byte) (string, request, *frameError) {
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
	if decodeErr != nil {
		if msg.Type == "" {
			decodeErr = heartlink.Errorf(heartlink.EBadRequest, "a frame must be a JSON object with a type")
		}
		return msg.Type, req, &frameError{"", decodeErr}
	}
	if len(req.RequestID) > 64 {
		return msg.Type, req, &frameError{req.RequestID, heartlink.FieldError(heartlink.EInvalid, "request_id", "a request_id may have at most 64 characters")}
	}
	return msg.Type, req, nil
}

type action func(ctx context.Context, req request) (any, error)

func (s *session) actions() map[string]action {
	d := s.l.s.cfg.Dispatch
	view := func(t *dispatch.Trip) dispatch.View {
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
			// The contact shown here is a read its audit trail already
			// holds (accepted, by this driver): see ContactReads.
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
			d, source, err := s.l.s.setPresence(ctx, s.by.ID, u)
			if err != nil {
				return nil, err
			}
			return presenceAck{d.Status, d.Location, source}, nil
		},
	}
}

// presenceAck answers a presence frame: the status and, for a driver
// online, where they are and whether that is the location they sent, where
// they were last seen live, or their home.
type presenceAck struct {
	Status         fleet.Presence       `json:"status"`
	Location       *heartlink.Point     `json:"location,omitempty"`
	LocationSource fleet.LocationSource `json:"location_source,omitempty"`
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

// errorFrame is the live channel's error: the same code, message, field
// and list of problems as the HTTP API's error body, with the request_id
// it answers.
func errorFrame(requestID string, err error) []byte {
	body := errorBody(err)
	b, _ := realtime.Encode("error", "", struct {
		RequestID string `json:"request_id,omitempty"`
		ErrorDetail
		Errors []ErrorDetail `json:"errors,omitempty"`
	}{requestID, body.Error, body.Errors})
	return b
}

// errorFrame is errorFrame, with internal errors logged once, here. A
// request cut short because the server is shutting down (ctx ended) is no
// failure of the service: the client is told to reconnect and nothing is
// logged above debug, so that a shutdown does not read as an outage.
func (s *session) errorFrame(ctx context.Context, typ, requestID string, err error) []byte {
	if heartlink.ErrorCode(err) == heartlink.EInternal {
		if ctx.Err() != nil {
			s.l.log.Debug("live request cut short", "type", typ, "caller", s.by.String(), "err", err)
			return errorFrame(requestID, heartlink.Errorf(heartlink.EUnavailable, "the server is shutting down; reconnect and send again"))
		}
		if s.l.s.storeDown(err) {
			s.l.log.Warn("store unavailable", "type", typ, "caller", s.by.String(), "err", err)
			return errorFrame(requestID, errStoreDown)
		}
		s.l.log.Error("live request failed", "type", typ, "caller", s.by.String(), "err", err)
	}
	return errorFrame(requestID, err)
}

func ackFrame(requestID string, data any) []byte {
	b, _ := json.Marshal(data)
	f, _ := realtime.Encode("ack", "", struct {
		RequestID string          `json:"request_id,omitempty"`
		Result    json.RawMessage `json:"result"`
	}{requestID, b})
	return f
}
