package realtime

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEncode(t *testing.T) {
	tests := []struct {
		name     string
		typ, id  string
		data     any
		want     string
		wantFail bool
	}{
		{"type only", "ping", "", nil, `{"type":"ping"}`, false},
		{"id and data", "offer", "7", map[string]int{"seats": 3}, `{"type":"offer","id":"7","data":{"seats":3}}`, false},
		{"raw data", "pos", "", json.RawMessage(`{"lat":28.26}`), `{"type":"pos","data":{"lat":28.26}}`, false},
		{"nil pointer data is left out", "ack", "1", (*struct{})(nil), `{"type":"ack","id":"1"}`, false},
		{"empty type", "", "", nil, "", true},
		{"data that cannot be JSON", "x", "", make(chan int), "", true},
		{"raw data that is not JSON", "x", "", json.RawMessage(`{"lat":`), "", true},
		{"raw null is left out", "x", "", json.RawMessage(`null`), `{"type":"x"}`, false},
		{"quotes and markup in the type and id", `a"<b>`, `7"&`, nil, `{"type":"a\"\u003cb\u003e","id":"7\"\u0026"}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Encode(tt.typ, tt.id, tt.data)
			if tt.wantFail {
				assert.Error(t, err, "Encode(%q, %q, %v)", tt.typ, tt.id, tt.data)
				return
			}
			require.NoError(t, err)
			assert.JSONEq(t, tt.want, string(got), "Encode(%q, %q, %v)", tt.typ, tt.id, tt.data)
			// Every frame of the fleet is encoded here: it is written into
			// one buffer of its own size, not grown (and copied) on the way.
			assert.Equal(t, len(got), cap(got), "the frame's buffer is sized to it")
		})
	}
}

func TestDecode(t *testing.T) {
	tests := []struct {
		frame string
		want  Message
	}{
		{`{"type":"ping"}`, Message{Type: "ping"}},
		{` {"type":"ack","id":"9","data":{"trip":"t1"}} `, Message{Type: "ack", ID: "9", Data: json.RawMessage(`{"trip":"t1"}`)}},
		{`{"type":"ack","id":null,"data":null}`, Message{Type: "ack"}},
		{`{"type":"hello","version":2}`, Message{Type: "hello"}}, // newer clients may add keys
	}
	for _, tt := range tests {
		got, err := Decode([]byte(tt.frame))
		require.NoError(t, err, "Decode(%q)", tt.frame)
		assert.Equal(t, tt.want, got, "Decode(%q)", tt.frame)
	}
}

func TestDecodeRefuses(t *testing.T) {
	for _, frame := range []string{
		``,
		`null`,
		`"ping"`,
		`[{"type":"ping"}]`,
		`{}`,
		`{"type":""}`,
		`{"type":null}`,
		`{"type":7}`,
		`{"Type":"ping"}`,
		`{"type":"ping","id":7}`,
		`{"type":"ping"} {"type":"ping"}`,
		`{"type":"ping"`,
	} {
		_, err := Decode([]byte(frame))
		assert.ErrorIs(t, err, ErrBadFrame, "Decode(%q)", frame)
	}
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	frame, err := Encode("offer", "42", map[string]any{"area": "north", "seats": 2})
	require.NoError(t, err)
	m, err := Decode(frame)
	require.NoError(t, err)
	assert.Equal(t, "offer", m.Type)
	assert.Equal(t, "42", m.ID)
	assert.JSONEq(t, `{"area":"north","seats":2}`, string(m.Data))
}
