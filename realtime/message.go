package realtime

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// ErrBadFrame is wrapped by Decode's errors: the frame is not one JSON
// object with a non-empty string "type".
var ErrBadFrame = errors.New("realtime: bad frame")

// Message is the envelope of every frame, both ways:
//
//	{"type": "offer", "id": "42", "data": {...}}
//
// Type says how to read Data; ID, when set, identifies the event (for
// resuming with last_event_id) or the request a reply answers.
type Message struct {
	Type string          `json:"type"`
	ID   string          `json:"id,omitempty"`
	Data json.RawMessage `json:"data,omitempty"`
}

// Encode returns the frame of a Message of type typ with id and data
// marshalled as JSON. A nil data (or one that marshals to null) leaves
// "data" out. Data already JSON (json.RawMessage, as stored changes are)
// is checked, not marshalled again.
func Encode(typ, id string, data any) ([]byte, error) {
	if typ == "" {
		return nil, errors.New("realtime: encode: empty type")
	}
	var raw []byte
	switch d := data.(type) {
	case nil:
	case json.RawMessage:
		if len(d) > 0 && !json.Valid(d) {
			return nil, fmt.Errorf("realtime: encode %s: data is not JSON", typ)
		}
		raw = bytes.TrimSpace(d)
	default:
		b, err := json.Marshal(data)
		if err != nil {
			return nil, fmt.Errorf("realtime: encode %s: %w", typ, err)
		}
		raw = b
	}
	if bytes.Equal(raw, []byte("null")) {
		raw = nil
	}
	// The envelope is Message's JSON, written out so that data, JSON
	// already, is not scanned once more: every frame of the fleet passes
	// here.
	t, _ := json.Marshal(typ)
	var q []byte
	if id != "" {
		q, _ = json.Marshal(id)
	}
	const (
		head = `{"type":`
		ids  = `,"id":`
		body = `,"data":`
	)
	// Sized exactly: one allocation, never grown.
	n := len(head) + len(t) + 1
	if q != nil {
		n += len(ids) + len(q)
	}
	if len(raw) > 0 {
		n += len(body) + len(raw)
	}
	f := make([]byte, 0, n)
	f = append(append(f, head...), t...)
	if q != nil {
		f = append(append(f, ids...), q...)
	}
	if len(raw) > 0 {
		f = append(append(f, body...), raw...)
	}
	return append(f, '}'), nil
}

// Decode reads frame as a Message. It refuses anything but one JSON object
// whose "type" is a non-empty string and whose "id", if present, is a
// string (or null); keys match exactly (unlike encoding/json's struct decoding), and
// other keys are ignored so that clients may be newer than the server.
func Decode(frame []byte) (Message, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(frame, &fields); err != nil {
		return Message{}, fmt.Errorf("%w: %v", ErrBadFrame, err)
	}
	if fields == nil {
		return Message{}, fmt.Errorf("%w: not an object", ErrBadFrame)
	}
	var m Message
	if err := unmarshalString(fields["type"], &m.Type); err != nil || m.Type == "" {
		return Message{}, fmt.Errorf("%w: \"type\" must be a non-empty string", ErrBadFrame)
	}
	if raw := fields["id"]; raw != nil && !bytes.Equal(raw, []byte("null")) {
		if err := unmarshalString(raw, &m.ID); err != nil {
			return Message{}, fmt.Errorf("%w: \"id\" must be a string", ErrBadFrame)
		}
	}
	if raw := fields["data"]; raw != nil && !bytes.Equal(raw, []byte("null")) {
		m.Data = raw
	}
	return m, nil
}

func unmarshalString(raw json.RawMessage, s *string) error {
	if len(raw) == 0 || raw[0] != '"' {
		return errors.New("not a string")
	}
	return json.Unmarshal(raw, s)
}
