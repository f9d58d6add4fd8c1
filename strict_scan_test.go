package heartlink

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
)

// The scanner behind StrictJSON's duplicate keys is checked against the
// token-reading version it replaced (kept here as the reference): on valid
// JSON both find the same duplicate, or none.

// duplicateKeyByTokens reports the first key that appears twice in one object of
// b. What is not valid JSON it leaves to the decoder to report.
func duplicateKeyByTokens(b []byte) error {
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

func TestDuplicateKeyScanMatchesTokens(t *testing.T) {
	many := func(n int, dupAt int) string {
		var sb strings.Builder
		sb.WriteString("{")
		for i := range n {
			if i > 0 {
				sb.WriteString(",")
			}
			k := i
			if i == dupAt {
				k = 3
			}
			sb.WriteString(`"k` + strconv.Itoa(k) + `":` + strconv.Itoa(i))
		}
		sb.WriteString("}")
		return sb.String()
	}
	for _, body := range []string{
		`{"a":1,"b":2}`, `{"a":1,"a":2}`, `{"a":1,"A":2}`, `{"\u0061":1,"a":2}`, `{"a\"b":1,"a\"B":2}`,
		`{"a":[{"x":1},{"x":2,"x":3}]}`, `{"a":[[1],[{"x":1,"x":1}]]}`, ` { "a" : [ 1 , 2 ] , "b" : { } , "A" : null } `,
		`{"K":1,"k":2}`, `[{"a":{"b":[{"c":1,"C":2}]}}]`, `"a"`, `1`, `[]`, `{}`,
		many(100, -1), many(100, 70), many(40, 33), many(40, 5),
	} {
		want, got := duplicateKeyByTokens([]byte(body)), duplicateKey([]byte(body))
		if !json.Valid([]byte(body)) {
			t.Fatalf("test body %q is not valid JSON", body)
		}
		if (want == nil) != (got == nil) || want != nil && want.Error() != got.Error() {
			t.Errorf("duplicateKey(%.60q) = %v; the token reader says %v", body, got, want)
		}
	}
}

// FuzzDuplicateKeyScan: on any valid JSON the scanner and the token reader
// agree; on anything else the scanner does not panic.
func FuzzDuplicateKeyScan(f *testing.F) {
	for _, s := range []string{`{"a":1,"a":2}`, `{"a":[{"x":1},{"x":2,"X":3}]}`, `{"\u0041":1,"a":2}`, `[1,"a\\",{"b":null}]`, `{"a":`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got := duplicateKey(b)
		if !json.Valid(b) {
			return
		}
		want := duplicateKeyByTokens(b)
		var dup *DuplicateKeyError
		if (want == nil) != (got == nil) || want != nil && (!errors.As(got, &dup) || want.Error() != got.Error()) {
			t.Fatalf("duplicateKey(%q) = %v; the token reader says %v", b, got, want)
		}
	})
}

// BenchmarkDuplicateKey: a trip request's body, as every POST /trips
// carries, scanned by the scanner and by the token reader it replaced.
func BenchmarkDuplicateKey(b *testing.B) {
	body := []byte(`{"kind":"exam_escort","pickup":{"lat":28.27,"lng":117.06,"address":"12 Shengli Rd"},` +
		`"dropoff":{"lat":28.2602,"lng":117.0693,"address":"Yingtan No.1 Middle School"},` +
		`"riders":[{"name":"Li Ming","phone":"13900000002"}],"arrive_by":"2026-06-07T08:15:00+08:00"}`)
	for _, impl := range []struct {
		name string
		f    func([]byte) error
	}{{"scan", duplicateKey}, {"tokens", duplicateKeyByTokens}} {
		b.Run(impl.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if impl.f(body) != nil {
					b.Fatal("a duplicate in a body without one")
				}
			}
		})
	}
}
