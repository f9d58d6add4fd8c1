package dispatch

import (
	"encoding/json"
	"strings"
)

// Change is a notice that something changed, for the live channels: which
// kind of thing, for which audiences, with a small JSON body. IDs increase
// along the one stream of changes, so a client can resume after the last it
// saw. Audiences are "board" (coordinators), "drivers" (every online
// driver), "driver:ID" and "requester:ID".
type Change struct {
	ID   string          `json:"id"`
	Kind string          `json:"kind"`
	To   []string        `json:"to"`
	Data json.RawMessage `json:"data"`
}

// The kinds of change.
const (
	ChangeTrip           = "trip"            // a trip's status changed: data TripChange
	ChangeOffer          = "offer"           // data Offer
	ChangeOfferWithdrawn = "offer_withdrawn" // data {trip_id, reason: taken | expired | cancelled | withdrawn}
	ChangeAssigned       = "assigned"        // data {trip_id, version}
	ChangeAlert          = "alert"           // data {trip_id, reason}
	ChangeAlertClosed    = "alert_closed"    // a coordinator closed a trip's alert: data {trip_id, by}
	ChangeDriver         = "driver"          // a driver's presence: data DriverChange
	ChangeAnnouncement   = "announcement"
	ChangeShiftFill      = "shift_fill"   // a shift's fill: data {campaign_id, shift_id, confirmed, waiting}
	ChangeSOS            = "sos"          // a driver's SOS raised or pressed again: data safety.SOS (boards get the safety.Alarm, rendered as they push it), to the board only
	ChangeSOSResolved    = "sos_resolved" // a coordinator resolved an SOS: data safety.SOS, to the board and its driver
	ChangeReport         = "report"       // a driver's report filed (to the board) or forwarded or resolved (to the board and its driver): data report.Report
	ChangeLostItem       = "lost_item"    // an item found in a car logged (to the board and the trip's requester) or handed back (and to the driver who logged it): data lost.Item
)

// For reports whether the change is addressed to audience.
func (c Change) For(audience string) bool {
	for _, a := range c.To {
		if a == audience {
			return true
		}
	}
	return false
}

// ParseAudiences splits a space-separated audience list.
func ParseAudiences(s string) []string { return strings.Fields(s) }

// TripChange is the body of a trip change.
type TripChange struct {
	TripID   string `json:"trip_id"`
	Action   Action `json:"action"`
	Status   Status `json:"status"`
	Version  int64  `json:"version"`
	DriverID string `json:"driver_id,omitempty"`
}

// DriverChange is the body of a driver change: presence and position.
type DriverChange struct {
	DriverID string  `json:"driver_id"`
	Status   string  `json:"status"`
	Lat      float64 `json:"lat,omitempty"`
	Lng      float64 `json:"lng,omitempty"`
}
