package heartlink

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"
)

// earthRadiusKm is the mean Earth radius used by every distance in the
// service and by the exam-day benchmark, so that figures agree.
const earthRadiusKm = 6371.0088

// Point is a position in WGS 84 degrees.
type Point struct {
	Lat float64 `json:"lat"`
	Lng float64 `json:"lng"`
}

// MaxLat is the largest latitude the service takes: Redis's geo index, like
// web maps, stops at ±85.05112878°. No city lies beyond it.
const MaxLat = 85.05112878

// DistanceKm returns the great-circle distance between a and b in kilometres.
func DistanceKm(a, b Point) float64 {
	la1, lo1 := a.Lat*math.Pi/180, a.Lng*math.Pi/180
	la2, lo2 := b.Lat*math.Pi/180, b.Lng*math.Pi/180
	h := math.Pow(math.Sin((la2-la1)/2), 2) +
		math.Cos(la1)*math.Cos(la2)*math.Pow(math.Sin((lo2-lo1)/2), 2)
	return 2 * earthRadiusKm * math.Asin(math.Min(1, math.Sqrt(h)))
}

// Approximate returns p rounded to a grid of about one kilometre, the
// "approximate area" that a driver sees before accepting a trip.
func (p Point) Approximate() Point {
	return Point{Lat: math.Round(p.Lat*100) / 100, Lng: math.Round(p.Lng*100) / 100}
}

// UnmarshalJSON reads {"lat": …, "lng": …}, both required: a missing
// coordinate is an error, not the Gulf of Guinea.
func (p *Point) UnmarshalJSON(b []byte) error {
	var v struct {
		Lat *float64 `json:"lat"`
		Lng *float64 `json:"lng"`
	}
	if err := StrictJSON(b, &v); err != nil {
		return err
	}
	if err := requireCoords(v.Lat, v.Lng); err != nil {
		return err
	}
	p.Lat, p.Lng = *v.Lat, *v.Lng
	return nil
}

// ErrMissing is the Value of the *json.UnmarshalTypeError reported for a
// required field that is absent; decoders turn it into "X is required".
const ErrMissing = "nothing"

func requireCoords(lat, lng *float64) error {
	missing := func(f string) error {
		return &json.UnmarshalTypeError{Value: ErrMissing, Type: reflect.TypeOf(0.0), Field: f}
	}
	if lat == nil {
		return missing("lat")
	}
	if lng == nil {
		return missing("lng")
	}
	return nil
}

// RequireCoords reports a missing lat or lng the way Point does, for other
// types that hold coordinates.
func RequireCoords(lat, lng *float64) error { return requireCoords(lat, lng) }

// StrictJSON decodes the one JSON value in b into v, refusing unknown
// fields (a custom unmarshaler does not inherit an outer decoder's
// DisallowUnknownFields), a key that appears twice in one object, in any
// case (a
// *DuplicateKeyError: decoders keep the last, so two readers of the same
// body could disagree on what it says) and anything after the value
// (ErrTrailingData). It is the one strict decoder: request bodies, frames
// and UnmarshalJSON methods all go through it.
func StrictJSON(b []byte, v any) error {
	if err := duplicateKey(b); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return ErrTrailingData
	}
	return nil
}

// ErrTrailingData is StrictJSON's error for a body holding more than one
// JSON value.
var ErrTrailingData = errors.New("json: data after the value")

// DuplicateKeyError is a key that appears twice in one JSON object, named
// by its path, e.g. riders[1].name.
type DuplicateKeyError struct{ Path string }

func (e *DuplicateKeyError) Error() string { return "json: duplicate key " + strconv.Quote(e.Path) }

// duplicateKey reports the first key that appears twice in one object of
// b. What is not valid JSON it leaves to the decoder to report.
func duplicateKey(b []byte) error {
	type level struct {
		keys    map[string]struct{} // nil for an array
		key     string              // the object's current key
		index   int                 // the array's current index
		wantKey bool
	}
	var stack []*level
	path := func() string {
		var sb strings.Builder
		for _, l := range stack {
			if l.keys == nil {
				sb.WriteString("[" + strconv.Itoa(l.index) + "]")
				continue
			}
			if sb.Len() > 0 {
				sb.WriteByte('.')
			}
			sb.WriteString(l.key)
		}
		return sb.String()
	}
	// valueDone moves the enclosing object or array past a value.
	valueDone := func() {
		if len(stack) == 0 {
			return
		}
		if top := stack[len(stack)-1]; top.keys != nil {
			top.wantKey = true
		} else {
			top.index++
		}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil // the end, or invalid JSON: the decoder reports it
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{':
				stack = append(stack, &level{keys: map[string]struct{}{}, wantKey: true})
			case '[':
				stack = append(stack, &level{})
			default:
				stack = stack[:len(stack)-1]
				valueDone()
			}
			continue
		}
		if len(stack) > 0 {
			if top := stack[len(stack)-1]; top.keys != nil && top.wantKey {
				key, _ := tok.(string)
				top.key, top.wantKey = key, false
				// encoding/json matches fields ignoring case: "Name" is
				// "name" again.
				folded := strings.ToLower(key)
				if _, dup := top.keys[folded]; dup {
					return &DuplicateKeyError{Path: path()}
				}
				top.keys[folded] = struct{}{}
				continue
			}
		}
		valueDone()
	}
}
