package integration

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// idemKey returns an Idempotency-Key no other test sends.
func idemKey() string { return fmt.Sprintf("key-%s-%d", runID, unique()) }

// seenTrips lists the ids of the trips the client sees.
func seenTrips(tb testing.TB, c *client) []string {
	tb.Helper()
	var list struct{ Trips []trip }
	c.in(tb).get("/api/v1/trips").must(tb, http.StatusOK, &list)
	return tripIDs(list.Trips)
}

// TestIdempotentTripRequest retries a school's trip request under one
// Idempotency-Key, as a client that lost the answer would: one trip is
// booked, and every retry gets the first answer.
func TestIdempotentTripRequest(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		srv := startServer(t, b)
		f := newFixture(t, srv)
		school := f.addRequester("school")
		req := examTrip(3 * time.Hour)

		t.Run("a retry repeats the first answer", func(t *testing.T) {
			c := school.with("Idempotency-Key", idemKey()).in(t)
			var first, again trip
			r1 := c.post("/api/v1/trips", req).must(t, http.StatusCreated, &first)
			assert.Empty(t, r1.Header.Get("Idempotent-Replayed"), "a first answer is no replay")
			r2 := c.post("/api/v1/trips", req).must(t, http.StatusCreated, &again)
			assert.Equal(t, first.ID, again.ID, "the retry names the trip booked first")
			assert.JSONEq(t, string(r1.Body), string(r2.Body), "the retry gets the very first answer")
			assert.Equal(t, "true", r2.Header.Get("Idempotent-Replayed"))
			assert.Equal(t, r1.Header.Get("Location"), r2.Header.Get("Location"))
			assert.Equal(t, 1, count(seenTrips(t, school.client), first.ID), "one trip booked")
		})

		t.Run("the same key with another body is refused", func(t *testing.T) {
			c := school.with("Idempotency-Key", idemKey()).in(t)
			c.post("/api/v1/trips", examTrip(4*time.Hour)).must(t, http.StatusCreated, nil)
			before := len(seenTrips(t, school.client))
			e := c.post("/api/v1/trips", examTrip(5*time.Hour)).fails(t, http.StatusUnprocessableEntity, "idempotency_key_reused")
			assert.Equal(t, "Idempotency-Key", e.Field)
			assert.Len(t, seenTrips(t, school.client), before, "nothing booked")
		})

		t.Run("keys are the caller's own", func(t *testing.T) {
			key := idemKey()
			other := f.addRequester("community")
			var a, o trip
			school.with("Idempotency-Key", key).in(t).post("/api/v1/trips", req).must(t, http.StatusCreated, &a)
			other.with("Idempotency-Key", key).in(t).post("/api/v1/trips", req).must(t, http.StatusCreated, &o)
			assert.NotEqual(t, a.ID, o.ID, "another caller's key is another key")
			assert.NotContains(t, seenTrips(t, other.client), a.ID)
		})

		t.Run("a refusal is not kept", func(t *testing.T) {
			c := school.with("Idempotency-Key", idemKey()).in(t)
			bad := examTrip(3 * time.Hour)
			bad.Riders = nil
			c.post("/api/v1/trips", bad).fails(t, http.StatusUnprocessableEntity, "invalid")
			// The mended request goes through under the same key.
			c.post("/api/v1/trips", examTrip(3*time.Hour)).must(t, http.StatusCreated, nil)
		})

		t.Run("malformed keys", func(t *testing.T) {
			for name, key := range map[string]string{
				"too long":  strings.Repeat("k", 256),
				"control":   "key\twith-a-tab",
				"not ASCII": "ключ-1",
				"blank":     "",
			} {
				r := school.with("Idempotency-Key", key).in(t).post("/api/v1/trips", req)
				e := r.fails(t, http.StatusBadRequest, "bad_request")
				assert.Equal(t, "Idempotency-Key", e.Field, "%s: %s", name, r)
			}
		})

		t.Run("twenty retries at once book one trip", func(t *testing.T) {
			c := school.with("Idempotency-Key", idemKey())
			race := examTrip(6 * time.Hour)
			const n = 20
			var wg sync.WaitGroup
			answers := make([]*response, n)
			errs := make([]error, n)
			start := make(chan struct{})
			for i := range n {
				wg.Go(func() {
					<-start
					answers[i], errs[i] = c.send(http.MethodPost, "/api/v1/trips", race)
				})
			}
			close(start)
			wg.Wait()
			ids := map[string]int{}
			for i, r := range answers {
				require.NoError(t, errs[i])
				require.Empty(t, r.Mismatch, "%s", r)
				require.Equal(t, http.StatusCreated, r.Status, "every retry is answered with the trip, none is told to wait: %s", r)
				var tr trip
				require.NoError(t, json.Unmarshal(r.Body, &tr))
				ids[tr.ID]++
			}
			require.Len(t, ids, 1, "one trip for twenty tries: %v", ids)
			for id := range ids {
				assert.Equal(t, 1, count(seenTrips(t, school.client), id))
			}
		})
	})
}

// TestIdempotentImportRecurringSignup retries a CSV import, a recurring
// booking and a campaign sign-up under a key: each is done once.
func TestIdempotentImportRecurringSignup(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		srv := startServer(t, b)
		f := newFixture(t, srv)
		school := f.addRequester("school")

		t.Run("import", func(t *testing.T) {
			site := fmt.Sprintf("Yingtan No. 8 Middle School %s-%d", runID, unique())
			f.admin.post("/api/v1/places", map[string]any{"name": site, "kind": "exam_site",
				"lat": examSite.Lat, "lng": examSite.Lng, "address": "Gate 1"}).must(t, http.StatusCreated, nil)
			arrive := time.Now().Add(4 * time.Hour).In(shanghai).Format("2006-01-02 15:04")
			list := importHeader + fmt.Sprintf("Student Zhao %s-%d,13900000031,%f,%f,3 Shengli Road,%s,%s\n",
				runID, unique(), home.Lat, home.Lng, site, arrive)
			c := school.with("Idempotency-Key", idemKey()).in(t)
			var first, again struct {
				Booked int
				Trips  []trip
			}
			c.post("/api/v1/trips/import", csvList(list)).must(t, http.StatusCreated, &first)
			r := c.post("/api/v1/trips/import", csvList(list)).must(t, http.StatusCreated, &again)
			assert.Equal(t, "true", r.Header.Get("Idempotent-Replayed"))
			require.Len(t, again.Trips, 1)
			assert.Equal(t, first.Trips[0].ID, again.Trips[0].ID)
			c.post("/api/v1/trips/import", csvList(list+list[len(importHeader):])).
				fails(t, http.StatusUnprocessableEntity, "idempotency_key_reused")
		})

		t.Run("recurring", func(t *testing.T) {
			c := school.with("Idempotency-Key", idemKey()).in(t)
			d := dialysis()
			var first, again recurringTrip
			c.post("/api/v1/recurring-trips", d).must(t, http.StatusCreated, &first)
			c.post("/api/v1/recurring-trips", d).must(t, http.StatusCreated, &again)
			assert.Equal(t, first.ID, again.ID)
			assert.Equal(t, 1, count(recurringOf(t, school.client), first.ID))
			c.post("/api/v1/recurring-trips", dialysis()).fails(t, http.StatusUnprocessableEntity, "idempotency_key_reused")
		})

		t.Run("sign-up", func(t *testing.T) {
			c := createCampaign(t, f.admin, newCampaignDraft(openWindow(), shiftIn(2, 3)))
			d := f.addDriver(home)
			path := signupPath(c.ID, c.Shifts[0].ID)
			dc := d.with("Idempotency-Key", idemKey()).in(t)
			var first, again signupBody
			dc.post(path, nil).must(t, http.StatusCreated, &first)
			r := dc.post(path, nil).must(t, http.StatusCreated, &again)
			assert.Equal(t, "true", r.Header.Get("Idempotent-Replayed"))
			assert.Equal(t, first, again)
			confirmed, _ := getCampaign(t, f.admin, c.ID).fill(t, c.Shifts[0].ID)
			assert.Equal(t, 1, confirmed, "one place taken")
		})
	})
}

func count(xs []string, x string) int {
	n := 0
	for _, y := range xs {
		if y == x {
			n++
		}
	}
	return n
}
