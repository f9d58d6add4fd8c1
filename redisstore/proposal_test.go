package redisstore

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/heartlink/heartlink/dispatch"
	"github.com/heartlink/heartlink/internal/redistest"
)

func TestAProposalReadsBackAsWritten(t *testing.T) {
	at := time.Date(2027, 6, 7, 7, 0, 0, 0, time.UTC)
	stops := encodeStops([]dispatch.RouteStop{{Kind: dispatch.PickupStop, TripID: "trp_a", At: at,
		Place: dispatch.Place{Lat: 28.2, Lng: 117.1, Address: "Gate 2\nnext to the bakery"}, Seats: 1}})
	p := proposal{Base: 7, Stops: stops, Pickup: ms(at), Drop: ms(at.Add(30 * time.Minute)), Moved: 1,
		Plan: "trp_b 1812002400000 1812004200000", Offer: json.RawMessage(`{"trip_id":"trp_a"}`)}
	got, err := readProposal(p.encode())
	require.NoError(t, err)
	assert.Equal(t, p, got, "an address with a line break in it is escaped in the stops, so every line stays whole")

	p.Moved, p.Plan, p.Offer = 0, "", nil
	got, err = readProposal(p.encode())
	require.NoError(t, err)
	assert.Equal(t, p, got, "no plan and no offer")

	_, err = readProposal(proposalMark + "7\n1\n")
	assert.Error(t, err, "a proposal cut short")
}

// A proposal stored by an earlier version, as JSON, is still what an
// offer's accept applies: offers made before an upgrade stay good.
func TestAnOfferStoredAsJSONIsStillAccepted(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		d := f.driver(near(0.5))
		trip := f.request(f.requester(), time.Hour)
		require.Equal(t, []string{trip.ID}, f.offers(d))

		key := f.s.keys.tripProposals(trip.ID)
		raw, err := f.rdb.HGet(f.ctx, key, d.ID).Result()
		require.NoError(t, err)
		p, err := readProposal(raw)
		require.NoError(t, err)
		old, err := json.Marshal(p)
		require.NoError(t, err)
		require.NoError(t, f.rdb.HSet(f.ctx, key, d.ID, old).Err())

		require.Equal(t, []string{trip.ID}, f.offers(d), "the driver still sees the offer")
		got, err := f.s.Accept(f.ctx, d, trip.ID)
		require.NoError(t, err)
		assert.Equal(t, dispatch.Assigned, got.Status)
		assert.Equal(t, d.ID, got.DriverID)
		r, err := f.s.DriverRoute(f.ctx, d, d.ID)
		require.NoError(t, err)
		assert.Equal(t, []string{trip.ID}, r.Trips(), "the route the JSON proposal held is the driver's")
	})
}
