package httpapi

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/heartlink/heartlink/dispatch"
)

// An offer goes to its driver before the batch's trips are read, unless a
// change before it that waits for that read goes to the same socket: a
// socket takes its frames in the stream's order.
func TestEarlyKeepsEachSocketsOrder(t *testing.T) {
	d := func(id string, reads bool, to ...string) delivery {
		return delivery{c: dispatch.Change{ID: id}, audiences: to, reads: reads}
	}
	tests := []struct {
		name  string
		batch []delivery
		later []string
	}{
		{"an offer after its trip's change for the board", []delivery{
			d("1", true, "board", "requester:r1"), d("2", false, "driver:a"), d("3", false, "driver:b"),
		}, nil},
		{"an offer after a change of the same driver's trip", []delivery{
			d("1", true, "board", "driver:a"), d("2", false, "driver:a"), d("3", false, "driver:b"),
		}, []string{"2"}},
		{"a broadcast after one driver's change", []delivery{
			d("1", true, "driver:a"), d("2", false, "drivers"),
		}, []string{"2"}},
		{"an offer after a change broadcast to drivers", []delivery{
			d("1", true, "drivers"), d("2", false, "driver:b"),
		}, []string{"2"}},
		{"a change held back holds back what follows it", []delivery{
			d("1", true, "driver:a"), d("2", false, "driver:a", "board"), d("3", false, "board"),
		}, []string{"2", "3"}},
		{"nothing before waits", []delivery{
			d("1", false, "driver:a"), d("2", true, "driver:a"), d("3", false, "board"),
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := early(tt.batch)
			var later []string
			for _, d := range tt.batch {
				if got[d.c.ID] {
					later = append(later, d.c.ID)
				}
			}
			assert.Equal(t, tt.later, later)
		})
	}
}
