package heartlink

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

func TestStrictJSONRefusesDuplicateKeys(t *testing.T) {
	tests := []struct {
		body string
		dup  string // the path of the duplicate key; "" when there is none
	}{
		{`{"a":1,"b":2}`, ""},
		{`{"a":{"x":1},"b":{"x":2}}`, ""},
		{`[{"x":1},{"x":2}]`, ""},
		{`{"a":[{"x":1,"y":[1,{"z":1}]},{"x":2}]}`, ""},
		{`{"a":1,"a":2}`, "a"},
		{`{"a":1,"A":2}`, "A"},
		{`{"a":{"x":1,"y":2,"x":3}}`, "a.x"},
		{`{"a":[{"x":1},{"x":2,"x":3}]}`, "a[1].x"},
		{`{"a":[[1],[{"x":1,"x":1}]]}`, "a[1][0].x"},
		{`{"a":"x","b":{"c":[]},"b":1}`, "b"},
	}
	for _, tt := range tests {
		var v any
		err := StrictJSON([]byte(tt.body), &v)
		var dup *DuplicateKeyError
		switch {
		case tt.dup == "" && err != nil:
			t.Errorf("StrictJSON(%q) = %v; want nil", tt.body, err)
		case tt.dup != "" && !errors.As(err, &dup):
			t.Errorf("StrictJSON(%q) = %v; want a duplicate key %q", tt.body, err, tt.dup)
		case tt.dup != "" && dup.Path != tt.dup:
			t.Errorf("StrictJSON(%q) names %q; want %q", tt.body, dup.Path, tt.dup)
		}
	}
}

// FuzzStrictJSON: StrictJSON never panics, accepts nothing that
// encoding/json refuses, and names a duplicate key only where an object
// has one.
func FuzzStrictJSON(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `{"a":1,"a":2}`, `{"a":[{"x":1},{"x":2,"X":3}]}`, `[1,"a",{"b":null}]`, `{"a":{"b":{"c":[]}}} {}`, `{"a":`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var v any
		err := StrictJSON(b, &v)
		if err == nil {
			var w any
			if json.Unmarshal(b, &w) != nil {
				t.Fatalf("StrictJSON(%q) accepted what encoding/json refuses", b)
			}
		}
		var dup *DuplicateKeyError
		if errors.As(err, &dup) && !bytes.Contains(b, []byte("{")) {
			t.Fatalf("StrictJSON(%q) found a duplicate key %q outside any object", b, dup.Path)
		}
	})
}
