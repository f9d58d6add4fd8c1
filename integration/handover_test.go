package integration

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// handoverTrip books req for a school and gives it to a driver waiting at
// the pick-up, who has accepted it.
func handoverTrip(tb testing.TB, f *fixture, req tripRequest) (*requester, *driver, trip) {
	tb.Helper()
	school := f.addRequester("school")
	drv := f.addDriver(home)
	drv.online(home)
	tr := school.request(req)
	drv.waitOffer(tr.ID)
	drv.accept(tr.ID).must(tb, http.StatusOK, nil)
	return school, drv, tr
}

// step posts a progress step with the body given, as it is, no helper
// filling in the PIN.
func step(c *client, tripID string, body map[string]string) *response {
	c.tb.Helper()
	return c.post("/api/v1/trips/"+tripID+"/progress", body)
}

// TestHandoverPIN: the rider's PIN proves the driver met them. Requester
// and coordinators see it, the driver never does; picking up (and, for a
// student, dropping off) needs it, and a wrong one changes nothing.
func TestHandoverPIN(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		srv := startServer(t, b)
		f := newFixture(t, srv)
		school, drv, tr := handoverTrip(t, f, examTrip(time.Hour))

		pin := school.trip(tr.ID).PIN
		assert.Regexp(t, `^[0-9]{4}$`, pin, "the requester sees a 4-digit PIN")
		assert.Equal(t, pin, f.admin.trip(tr.ID).PIN, "coordinators see the same PIN")
		assert.Empty(t, drv.trip(tr.ID).PIN, "the driver never sees the PIN")
		listed := drv.get("/api/v1/trips").must(t, http.StatusOK, nil)
		assert.NotContains(t, string(listed.Body), `"pin"`, "nor in their list of trips")

		drv.progress(tr.ID, arrived).must(t, http.StatusOK, nil)
		e := step(drv.client, tr.ID, map[string]string{"step": "picked_up"}).fails(t, http.StatusUnprocessableEntity, "wrong_pin")
		assert.Equal(t, "pin", e.Field, "a missing PIN names the field")
		wrong := fmt.Sprintf("%04d", (mustAtoi(t, pin)+1)%10000)
		e = step(drv.client, tr.ID, map[string]string{"step": "picked_up", "pin": wrong}).fails(t, http.StatusUnprocessableEntity, "wrong_pin")
		assert.Equal(t, "pin", e.Field)
		assert.Equal(t, arrived, school.trip(tr.ID).Status, "a wrong PIN changes nothing")

		var got trip
		step(drv.client, tr.ID, map[string]string{"step": "picked_up", "pin": pin}).must(t, http.StatusOK, &got)
		assert.Equal(t, pickedUp, got.Status)
		assert.Empty(t, got.PIN, "the driver's answer holds no PIN")

		step(drv.client, tr.ID, map[string]string{"step": "completed"}).fails(t, http.StatusUnprocessableEntity, "wrong_pin")
		assert.Equal(t, pickedUp, school.trip(tr.ID).Status, "a student's drop-off needs the PIN too")
		step(drv.client, tr.ID, map[string]string{"step": "completed", "pin": pin}).must(t, http.StatusOK, &got)
		assert.Equal(t, completed, got.Status)

		es := f.events(tr.ID)
		assert.Equal(t, []string{"requested", "offered", "accepted", "arrived", "pin_refused", "picked_up", "completed"}, actions(es),
			"the wrong PIN is on the record; the missing ones were no guesses")
		refused := es[4]
		assert.Equal(t, "driver:"+drv.ID, refused.Actor)
		assert.Equal(t, arrived, refused.From)
		assert.Equal(t, arrived, refused.To)
		assert.NotRegexp(t, regexp.MustCompile(`pin[=:" ]+`+pin), srv.Log(), "the PIN never goes to the log")
	})
}

// TestHospitalDropOffNeedsNoPIN: only where minors ride is the drop-off
// confirmed.
func TestHospitalDropOffNeedsNoPIN(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		srv := startServer(t, b)
		f := newFixture(t, srv)
		req := examTrip(time.Hour)
		req.Kind = "hospital"
		_, drv, tr := handoverTrip(t, f, req)
		drv.progress(tr.ID, arrived).must(t, http.StatusOK, nil)
		step(drv.client, tr.ID, map[string]string{"step": "picked_up"}).fails(t, http.StatusUnprocessableEntity, "wrong_pin")
		drv.progress(tr.ID, pickedUp).must(t, http.StatusOK, nil)
		var got trip
		step(drv.client, tr.ID, map[string]string{"step": "completed"}).must(t, http.StatusOK, &got)
		assert.Equal(t, completed, got.Status, "a patient's drop-off is the driver's word")
	})
}

// TestWrongPINsLockTheTripUntilACoordinatorConfirms: guessing stops after
// five tries; a coordinator confirms the handover instead, on the record.
func TestWrongPINsLockTheTripUntilACoordinatorConfirms(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		srv := startServer(t, b)
		f := newFixture(t, srv)
		_, drv, tr := handoverTrip(t, f, examTrip(time.Hour))
		pin := drv.pinOf(tr.ID)
		drv.progress(tr.ID, arrived).must(t, http.StatusOK, nil)

		guesses := 0
		for g := 0; guesses < 5; g++ {
			guess := strings.Repeat(strconv.Itoa(g), 4)
			if guess == pin {
				continue
			}
			step(drv.client, tr.ID, map[string]string{"step": "picked_up", "pin": guess}).fails(t, http.StatusUnprocessableEntity, "wrong_pin")
			guesses++
		}
		r := step(drv.client, tr.ID, map[string]string{"step": "picked_up", "pin": pin})
		e := r.fails(t, http.StatusTooManyRequests, "rate_limited")
		assert.Equal(t, "pin", e.Field, "the lock names the PIN")
		secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
		require.NoError(t, err, "Retry-After is whole seconds: %q", r.Header.Get("Retry-After"))
		assert.Greater(t, secs, 60, "the lock lasts minutes, not a moment")
		assert.Equal(t, arrived, f.admin.trip(tr.ID).Status, "even the right PIN waits out the lock")

		step(f.admin, tr.ID, map[string]string{"step": "arrived"}).fails(t, http.StatusForbidden, "forbidden")
		var got trip
		step(f.admin, tr.ID, map[string]string{"step": "picked_up"}).must(t, http.StatusOK, &got)
		assert.Equal(t, pickedUp, got.Status, "a coordinator confirms the pick-up for the driver")
		step(drv.client, tr.ID, map[string]string{"step": "completed", "pin": pin}).must(t, http.StatusOK, &got)
		assert.Equal(t, completed, got.Status, "the override lifted the lock: the right PIN works again")

		var body struct {
			Events []struct {
				event
				Override bool `json:"override"`
			}
		}
		f.admin.get("/api/v1/trips/"+tr.ID+"/events").must(t, http.StatusOK, &body)
		var refused int
		var override *struct {
			event
			Override bool `json:"override"`
		}
		for i, e := range body.Events {
			switch {
			case e.Action == "pin_refused":
				refused++
			case e.Action == "picked_up":
				override = &body.Events[i]
			}
		}
		assert.Equal(t, 5, refused, "every wrong PIN is audited; the locked try was not compared")
		require.NotNil(t, override, "the pick-up is on the record")
		assert.True(t, override.Override, "as an override")
		assert.Equal(t, "coordinator:crd_admin", override.Actor, "by the coordinator")
	})
}

// TestArrivedNeedsToBeNearThePickup: a driver whose live position is a
// kilometre away cannot say they are at the door.
func TestArrivedNeedsToBeNearThePickup(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		srv := startServer(t, b)
		f := newFixture(t, srv)
		_, drv, tr := handoverTrip(t, f, examTrip(time.Hour))
		drv.online(north(home, 1.5))
		e := step(drv.client, tr.ID, map[string]string{"step": "arrived"}).fails(t, http.StatusConflict, "too_far")
		assert.Equal(t, "step", e.Field)
		assert.Contains(t, e.Message, "km from the pick-up", "the driver is told why")
		assert.Equal(t, assigned, f.admin.trip(tr.ID).Status, "nothing changed")

		drv.online(north(home, 0.2))
		var got trip
		step(drv.client, tr.ID, map[string]string{"step": "arrived"}).must(t, http.StatusOK, &got)
		assert.Equal(t, arrived, got.Status, "200 m from the door is there")
	})
}

// TestHandoverChecksSwitchedOff: an operator whose drivers' apps cannot yet
// send a PIN runs with -handover-pin=false: progress works as before.
func TestHandoverChecksSwitchedOff(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		srv := startServer(t, b, "-handover-pin=false", "-arrive-within-m=0")
		f := newFixture(t, srv)
		_, drv, tr := handoverTrip(t, f, examTrip(time.Hour))
		drv.online(north(home, 3))
		for _, s := range []string{"arrived", "picked_up", "completed"} {
			var got trip
			step(drv.client, tr.ID, map[string]string{"step": s}).must(t, http.StatusOK, &got)
			assert.Equal(t, s, got.Status)
		}
	})
}

func mustAtoi(tb testing.TB, s string) int {
	tb.Helper()
	n, err := strconv.Atoi(s)
	require.NoError(tb, err)
	return n
}
