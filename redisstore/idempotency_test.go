package redisstore

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/internal/redistest"
)

// TestIdempotencyKeyOutlivesACrash: a request that holds a key and dies
// (never completes nor frees it) holds it only for the lease; a retry
// then runs again, or, if the dead request had booked its trip, is
// answered with that trip instead of booking another.
func TestIdempotencyKeyOutlivesACrash(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		school := f.requester()
		tests := []struct {
			name   string
			books  bool // the dead request booked its trip before dying
			freed  bool // and was refused after, freeing the key
			wantOK heartlink.Outcome
		}{
			{"died before booking", false, false, heartlink.Run},
			{"died after booking", true, false, heartlink.Created},
			{"freed after booking", true, true, heartlink.Created},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				scope := school.String() + " " + tt.name
				res, err := f.s.ReserveKey(f.ctx, scope, "fp", "dead")
				require.NoError(t, err)
				require.Equal(t, heartlink.Run, res.Outcome)
				var booked string
				if tt.books {
					tr, err := f.s.Request(heartlink.WithIdempotencyScope(f.ctx, scope), school, f.tripRequest(3*time.Hour))
					require.NoError(t, err)
					booked = tr.ID
				}
				if tt.freed {
					require.NoError(t, f.s.FreeKey(f.ctx, scope, "dead"))
				} else {
					res, err = f.s.ReserveKey(f.ctx, scope, "fp", "retry")
					require.NoError(t, err)
					assert.Equal(t, heartlink.Busy, res.Outcome, "held while its lease runs")
					f.clock.Advance(heartlink.IdempotencyLease + time.Millisecond)
				}
				res, err = f.s.ReserveKey(f.ctx, scope, "fp", "retry")
				require.NoError(t, err)
				assert.Equal(t, tt.wantOK, res.Outcome)
				assert.Equal(t, booked, res.Ref, "the retry is told which trip was booked")

				// The dead request's late word changes nothing.
				require.NoError(t, f.s.CompleteKey(f.ctx, scope, "dead", heartlink.Answer{Status: 500}))
				require.NoError(t, f.s.CompleteKey(f.ctx, scope, "retry", heartlink.Answer{Status: 201, Body: []byte(`{"id":"x"}`)}))
				res, err = f.s.ReserveKey(f.ctx, scope, "fp", "third")
				require.NoError(t, err)
				assert.Equal(t, heartlink.Replay, res.Outcome)
				assert.Equal(t, heartlink.Answer{Status: 201, Body: []byte(`{"id":"x"}`)}, res.Answer)

				_, err = f.s.ReserveKey(f.ctx, scope, "another body", "fourth")
				assert.Equal(t, heartlink.EKeyReused, heartlink.ErrorCode(err))
			})
		}
	})
}
