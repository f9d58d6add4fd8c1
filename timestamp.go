package heartlink

import (
	"encoding/json"
	"reflect"
	"time"
)

// Timestamp is a time.Time read from RFC 3339 JSON. A bad value is reported
// as a *json.UnmarshalTypeError, which encoding/json annotates with the
// field's name, so that clients are told which field is wrong.
type Timestamp struct{ time.Time }

// UnmarshalJSON parses an RFC 3339 string.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	if err := t.Time.UnmarshalJSON(b); err != nil {
		return &json.UnmarshalTypeError{Value: "time " + string(b), Type: reflect.TypeOf(time.Time{})}
	}
	return nil
}
