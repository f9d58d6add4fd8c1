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
