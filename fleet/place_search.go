package fleet

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/heartlink/heartlink"
)

// PlaceQuery is a search of the city's places: of one kind, by name, near
// a point, or any of these together. The zero PlaceQuery finds every
// place, by name.
type PlaceQuery struct {
	// Kind keeps only places of that kind; "" keeps all.
	Kind PlaceKind
	// Text keeps only places whose name or an alias matches it: equals
	// it, begins with it or holds it, ranked in that order. Case, spaces
	// and punctuation do not count ("yingtan no2" finds "Yingtan No. 2
	// Middle School"), nor does full-width against half-width ("２" is
	// "2"). "" keeps all.
	Text string
	// Near orders places nearest first (within a rank of Text) and gives
	// each its distance and travel time from there; nil orders by name.
	Near *heartlink.Point
	// At, when set, is the time places' hours are read at (in Loc): each
	// place with hours is found with open_now.
	At  time.Time
	Loc *time.Location
	// Open keeps only the places open at At (those with hours that say so).
	Open bool
}

// MaxPlaceText is the longest search text, in characters: no name is longer.
const MaxPlaceText = heartlink.MaxNameLen

// ParsePlaceQuery reads a search as a URL gives it: kind, q (the text),
// near ("lat,lng" in degrees) and open ("true" keeps only places open
// now). It reports every bad parameter at once, each naming itself.
func ParsePlaceQuery(kind, q, near, open string) (PlaceQuery, error) {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, heartlink.FieldError(heartlink.EInvalid, field, format, args...))
	}
	pq := PlaceQuery{Kind: PlaceKind(kind), Text: strings.TrimSpace(q)}
	if kind != "" && !pq.Kind.Valid() {
		bad("kind", "kind must be %s", placeKinds)
	}
	switch {
	case utf8.RuneCountInString(pq.Text) > MaxPlaceText:
		bad("q", "q must be at most %d characters", MaxPlaceText)
	case pq.Text != "" && fold(pq.Text) == "":
		bad("q", "q must hold a letter or a digit")
	}
	if near != "" {
		lat, lng, ok := strings.Cut(near, ",")
		y, err1 := strconv.ParseFloat(strings.TrimSpace(lat), 64)
		x, err2 := strconv.ParseFloat(strings.TrimSpace(lng), 64)
		if !ok || err1 != nil || err2 != nil {
			bad("near", "near must be lat,lng in degrees, such as 28.26,117.07")
		} else if err := validCoords("near", "near", y, x); err != nil {
			for _, p := range heartlink.Problems(err) {
				bad("near", "near: %s", p.Message)
			}
		} else {
			pq.Near = &heartlink.Point{Lat: y, Lng: x}
		}
	}
	switch open {
	case "", "false":
	case "true":
		pq.Open = true
	default:
		bad("open", "open must be true or false")
	}
	return pq, heartlink.Join(errs...)
}

// Leg is a travel model: the road distance and driving time from a to b.
type Leg func(a, b heartlink.Point) (km float64, d time.Duration)

// PlaceFound is a place a search found. DistanceKm and TravelMinutes are
// set when the search was near a point: the road distance and the driving
// time from there, as the travel model estimates them.
type PlaceFound struct {
	*Place
	DistanceKm    *float64 `json:"distance_km,omitempty"`
	TravelMinutes *int     `json:"travel_minutes,omitempty"`
	// OpenNow is set for a place with hours when the search gave a time.
	OpenNow *bool `json:"open_now,omitempty"`

	rank match
	km   float64
}

// match is how well a name matches a search, best first.
type match int

const (
	exact match = iota
	prefix
	contains
	none
)

// Search returns the places of ps that q finds, best first: by how the
// name matches (exact, then prefix, then contained), then nearest, then
// by name. leg is the travel model that times a place from q.Near; it is
// not called without one. Search reads ps once and does no I/O: a city's
// few thousand places are searched in memory, in one pass.
func (q PlaceQuery) Search(ps []*Place, leg Leg) []PlaceFound {
	text := fold(q.Text)
	out := make([]PlaceFound, 0, len(ps))
	for _, p := range ps {
		if q.Kind != "" && p.Kind != q.Kind {
			continue
		}
		f := PlaceFound{Place: p, rank: exact}
		if text != "" {
			if f.rank = p.match(text); f.rank == none {
				continue
			}
		}
		if !q.At.IsZero() {
			if open, known := p.OpenAt(q.At, q.Loc); known {
				f.OpenNow = &open
			}
		}
		if q.Open && (f.OpenNow == nil || !*f.OpenNow) {
			continue
		}
		if q.Near != nil {
			km, d := leg(*q.Near, p.Point())
			rounded, minutes := math.Round(km*10)/10, int(math.Ceil(d.Minutes()))
			f.km, f.DistanceKm, f.TravelMinutes = km, &rounded, &minutes
		}
		out = append(out, f)
	}
	slices.SortFunc(out, func(a, b PlaceFound) int {
		return cmp.Or(cmp.Compare(a.rank, b.rank), cmp.Compare(a.km, b.km),
			strings.Compare(a.Name, b.Name), strings.Compare(a.ID, b.ID))
	})
	return out
}

// match is the best match of folded text against p's name and aliases.
func (p *Place) match(text string) match {
	best := none
	for i := -1; i < len(p.Aliases) && best != exact; i++ {
		name := p.Name
		if i >= 0 {
			name = p.Aliases[i]
		}
		n := fold(name)
		switch {
		case n == text:
			best = exact
		case strings.HasPrefix(n, text):
			best = min(best, prefix)
		case strings.Contains(n, text):
			best = min(best, contains)
		}
	}
	return best
}

// fold is s as a search compares it: lower case, full-width Latin letters
// and digits as half-width, and nothing but letters and digits (no
// spaces, dots or brackets, which people write one way or another).
func fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if r >= 0xFF01 && r <= 0xFF5E { // full-width ASCII, as Chinese input methods type it
			r -= 0xFEE0
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}
