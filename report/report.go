// Package report holds what volunteers report from the road (随手拍 /
// 即时报): a hazard, an accident or a person needing help, with the place,
// a note and up to three photos, and what coordinators did with it. It is
// plain Go with no I/O; the Redis store keeps reports atomically and the
// HTTP and live APIs speak its types. It must not import a store or a
// transport.
package report

import (
	"strconv"
	"time"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/fleet"
)

// Kind is what a report is about.
type Kind string

const (
	Hazard   Kind = "hazard"   // something on the road others should avoid
	Accident Kind = "accident" // a collision, seen or been in
	Help     Kind = "help"     // a person who needs help
	Other    Kind = "other"
)

// Kinds lists every kind, in the order forms offer them.
var Kinds = []Kind{Hazard, Accident, Help, Other}

// Status is where a report stands.
type Status string

const (
	Open      Status = "open"      // filed, nobody has dealt with it yet
	Forwarded Status = "forwarded" // a coordinator passed it on (to whom: ForwardedTo)
	Resolved  Status = "resolved"  // dealt with; it changes no more
)

// Limits of a report's text and photos.
const (
	MaxNote        = 1000 // characters of a note
	MaxForwardedTo = 200  // characters of whom it went to
	MaxPhotos      = 3
)

// Draft is a report as a driver files it; photos come beside it.
type Draft struct {
	Kind     Kind             `json:"kind"`
	Location *heartlink.Point `json:"location"`
	Note     string           `json:"note"`
}

// Validate reports every problem with d, each naming its field.
func (d *Draft) Validate() error {
	var errs []error
	switch d.Kind {
	case Hazard, Accident, Help, Other:
	case "":
		errs = append(errs, heartlink.FieldError(heartlink.EInvalid, "kind", "kind is required: hazard, accident, help or other"))
	default:
		errs = append(errs, heartlink.FieldError(heartlink.EInvalid, "kind", "kind %q is none of hazard, accident, help, other", d.Kind))
	}
	errs = append(errs, fleet.ValidPoint("location", d.Location))
	if n := len([]rune(d.Note)); n > MaxNote {
		errs = append(errs, heartlink.FieldError(heartlink.EInvalid, "note", "note may have at most %d characters, not %d", MaxNote, n))
	}
	return heartlink.Join(errs...)
}

// Report is one report as stored and shown: to coordinators, and to the
// driver who filed it.
type Report struct {
	ID        string          `json:"id"`
	DriverID  string          `json:"driver_id"`
	Kind      Kind            `json:"kind"`
	Status    Status          `json:"status"`
	Location  heartlink.Point `json:"location"`
	Note      string          `json:"note"`
	Photos    []Photo         `json:"photos"`
	CreatedAt time.Time       `json:"created_at"`
	UpdatedAt time.Time       `json:"updated_at"`
	// ForwardedTo is whom a coordinator passed it on to (the police, the
	// road authority, a hospital), once forwarded.
	ForwardedTo string `json:"forwarded_to,omitempty"`
	// Outcome is the coordinator's last word on it, for the reporter.
	Outcome   string `json:"outcome,omitempty"`
	UpdatedBy string `json:"updated_by,omitempty"`
}

// Photo is one of a report's photos: where to fetch it (with the same
// token that may read the report), its type and size.
type Photo struct {
	URL         string `json:"url"`
	ContentType string `json:"content_type"`
	Bytes       int    `json:"bytes"`
}

// PhotoURL is where photo n (from 1) of report id is served.
func PhotoURL(id string, n int) string {
	return "/api/v1/reports/" + id + "/photos/" + strconv.Itoa(n)
}

// Filter says which reports a list holds: Unresolved, those open or
// forwarded; Status, those standing there; a page of Limit (0: 100) after
// Cursor.
type Filter struct {
	Status     Status
	Unresolved bool
	Limit      int
	Cursor     string
}

// Update is a coordinator's word on a report: it was forwarded (to whom),
// or resolved, with a note for the reporter.
type Update struct {
	Status      Status `json:"status"`
	Note        string `json:"note"`
	ForwardedTo string `json:"forwarded_to"`
}

// Validate reports every problem with u, each naming its field.
func (u *Update) Validate() error {
	var errs []error
	switch u.Status {
	case Forwarded:
		if u.ForwardedTo == "" {
			errs = append(errs, heartlink.FieldError(heartlink.EInvalid, "forwarded_to", "forwarded_to is required with status forwarded: say whom it went to"))
		}
	case Resolved:
	case "":
		errs = append(errs, heartlink.FieldError(heartlink.EInvalid, "status", "status is required: forwarded or resolved"))
	default:
		errs = append(errs, heartlink.FieldError(heartlink.EInvalid, "status", "status %q is neither forwarded nor resolved", u.Status))
	}
	if n := len([]rune(u.ForwardedTo)); n > MaxForwardedTo {
		errs = append(errs, heartlink.FieldError(heartlink.EInvalid, "forwarded_to", "forwarded_to may have at most %d characters", MaxForwardedTo))
	}
	if n := len([]rune(u.Note)); n > MaxNote {
		errs = append(errs, heartlink.FieldError(heartlink.EInvalid, "note", "note may have at most %d characters, not %d", MaxNote, n))
	}
	return heartlink.Join(errs...)
}

// MayChange says whether a report standing at from may be updated: open
// and forwarded reports may be forwarded (again, to someone else) or
// resolved; a resolved one changes no more.
func MayChange(from Status) error {
	if from == Resolved {
		return heartlink.Errorf(heartlink.EConflict, "the report is resolved already")
	}
	return nil
}

// Apply is r after u, by whom at when.
func Apply(r Report, u Update, by string, at time.Time) Report {
	r.Status, r.UpdatedAt, r.UpdatedBy = u.Status, at, by
	if u.ForwardedTo != "" {
		r.ForwardedTo = u.ForwardedTo
	}
	if u.Note != "" {
		r.Outcome = u.Note
	}
	return r
}
