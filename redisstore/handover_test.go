package redisstore

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/dispatch"
	"github.com/heartlink/heartlink/internal/redistest"
)

// Guesses sent all at once are counted one by one: no more than the
// allowed tries are ever compared, however many arrive together.
func TestPINGuessesAtOnceAreCountedOneByOne(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		d := f.driver(centre)
		trip := f.request(f.requester(), time.Hour)
		_, err := f.s.Accept(f.ctx, d, trip.ID)
		require.NoError(t, err)
		_, err = f.s.Progress(f.ctx, d, trip.ID, f.report(trip.ID, dispatch.StepArrived))
		require.NoError(t, err)

		var wg sync.WaitGroup
		codes := make([]string, 20)
		for i := range codes {
			guess := fmt.Sprintf("%04d", i)
			if guess == trip.PIN {
				guess = "99999" // never a PIN: 4 digits only
			}
			wg.Go(func() {
				_, err := f.s.Progress(f.ctx, d, trip.ID, dispatch.ProgressReport{Step: dispatch.StepPickedUp, PIN: guess})
				codes[i] = heartlink.ErrorCode(err)
			})
		}
		wg.Wait()
		count := map[string]int{}
		for _, c := range codes {
			count[c]++
		}
		assert.Equal(t, map[string]int{heartlink.EWrongPIN: f.pol.Handover.PINTries, heartlink.ERateLimited: 20 - f.pol.Handover.PINTries}, count)

		_, err = f.s.Progress(f.ctx, d, trip.ID, f.report(trip.ID, dispatch.StepPickedUp))
		assert.Equal(t, heartlink.ERateLimited, heartlink.ErrorCode(err), "locked: even the right PIN waits")
		assert.Greater(t, heartlink.ErrorRetry(err), time.Minute, "and is told how long")

		got, err := f.s.Progress(f.ctx, coordinator, trip.ID, dispatch.ProgressReport{Step: dispatch.StepPickedUp})
		require.NoError(t, err, "a coordinator confirms the handover")
		assert.Equal(t, dispatch.PickedUp, got.Status)
		_, err = f.s.Progress(f.ctx, d, trip.ID, f.report(trip.ID, dispatch.StepCompleted))
		require.NoError(t, err, "the override lifted the lock")

		refused := 0
		for _, a := range f.actions(trip.ID) {
			if a == string(dispatch.ActPINRefused)+" "+string(dispatch.Arrived) {
				refused++
			}
		}
		assert.Equal(t, f.pol.Handover.PINTries, refused, "each compared wrong PIN is on the record")
	})
}
