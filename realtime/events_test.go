package realtime

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestLaterID(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"1-0", "", true},
		{"0-0", "", true},
		{"", "", false},
		{"", "1-0", false},
		{"2-0", "1-0", true},
		{"10-0", "9-0", true},
		{"9-0", "10-0", false},
		{"5-1", "5-0", true},
		{"5-0", "5-0", false},
		{"5-10", "5-9", true},
		{"1764345600123-0", "1764345600122-5", true},
	}
	for _, tt := range tests {
		if got := laterID(tt.a, tt.b); got != tt.want {
			t.Errorf("laterID(%q, %q) = %v; want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestHoldPrimeReleaseKeepsIdsIncreasing(t *testing.T) {
	h := NewHub()
	ts := startServer(t, Options{})
	client, sc := ts.dial(t)
	server := sc.Conn
	server.Hold()
	h.Subscribe("t", server)
	// Published while the connection is brought up to date ...
	h.PublishID("t", "3-0", []byte(`{"type":"e","id":"3-0"}`))
	h.PublishID("t", "4-0", []byte(`{"type":"e","id":"4-0"}`))
	// ... which covers up to 3-0.
	server.Prime("2-0", []byte(`{"type":"e","id":"2-0"}`))
	server.Prime("3-0", []byte(`{"type":"e","id":"3-0"}`))
	server.Release()
	h.PublishID("t", "4-0", []byte(`{"type":"e","id":"4-0"}`)) // a duplicate
	h.PublishID("t", "5-0", []byte(`{"type":"e","id":"5-0"}`))

	var ids []string
	for range 4 {
		m, err := Decode([]byte(readText(t, client)))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.ID)
	}
	assert.Equal(t, []string{"2-0", "3-0", "4-0", "5-0"}, ids)
	assert.Equal(t, "5-0", server.LastID())
}
