package heartlink

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

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
// b, comparing keys as encoding/json matches fields: ignoring case. What
// is not valid JSON it leaves to the decoder to report. Every body and
// frame passes through it, so it scans b in place: no tokens, no
// allocation unless a key holds an escape or an object has many keys.
func duplicateKey(b []byte) error {
	var keys [16][]byte
	var path [8]dupStep
	d := dupScan{b: b, keys: keys[:0], path: path[:0]}
	d.value(0)
	return d.err
}

// dupScan is duplicateKey's scanner: a recursive descent over b that
// stops at the first duplicate (err set) or at anything not valid JSON.
type dupScan struct {
	b    []byte
	i    int
	keys [][]byte  // the keys of the objects being read, innermost last
	path []dupStep // where the scan is, for naming a duplicate
	err  error
}

// dupStep is one step of a path: an object's key, or an array's index.
type dupStep struct {
	key   []byte
	index int // -1 for a key
}

// manyKeys is how many keys an object may hold before they are looked up
// in a map rather than one by one: a body of a million keys must not cost
// a million squared.
const manyKeys = 32

// maxDepth bounds the nesting scanned, as encoding/json bounds its own.
const maxDepth = 10000

func (d *dupScan) space() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// value scans one value; false stops the scan.
func (d *dupScan) value(depth int) bool {
	d.space()
	if d.i >= len(d.b) || depth > maxDepth {
		return false
	}
	switch d.b[d.i] {
	case '{':
		return d.object(depth)
	case '[':
		return d.array(depth)
	case '"':
		_, ok := d.str()
		return ok
	}
	start := d.i // a number, true, false or null
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return d.i > start
		}
		d.i++
	}
	return d.i > start
}

// str scans the string at d.i and returns what is between its quotes.
func (d *dupScan) str() ([]byte, bool) {
	d.i++
	start := d.i
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case '\\':
			d.i += 2
		case '"':
			d.i++
			return d.b[start : d.i-1], true
		default:
			d.i++
		}
	}
	return nil, false
}

func (d *dupScan) object(depth int) bool {
	d.i++
	mark := len(d.keys)
	ok := d.members(depth, mark)
	d.keys = d.keys[:mark]
	return ok
}

// members scans an object's members, its keys from mark on in d.keys.
func (d *dupScan) members(depth, mark int) bool {
	var seen map[string]struct{} // once the object has manyKeys keys
	d.space()
	if d.i < len(d.b) && d.b[d.i] == '}' {
		d.i++
		return true
	}
	for {
		d.space()
		if d.i >= len(d.b) || d.b[d.i] != '"' {
			return false
		}
		start := d.i
		key, ok := d.str()
		if !ok {
			return false
		}
		if bytes.IndexByte(key, '\\') >= 0 || !utf8.Valid(key) {
			// The key as the decoder sees it: escapes undone, bad UTF-8
			// as U+FFFD (so two different bad bytes are one key).
			var k string
			if json.Unmarshal(d.b[start:d.i], &k) != nil {
				return false
			}
			key = []byte(k)
		}
		if d.seen(key, mark, &seen) {
			d.err = &DuplicateKeyError{Path: d.pathTo(key)}
			return false
		}
		d.space()
		if d.i >= len(d.b) || d.b[d.i] != ':' {
			return false
		}
		d.i++
		d.path = append(d.path, dupStep{key: key, index: -1})
		if !d.value(depth + 1) {
			return false
		}
		d.path = d.path[:len(d.path)-1]
		if more, ok := d.after('}'); !more {
			return ok
		}
	}
}

// seen reports whether the object whose keys start at mark holds key
// already, in any case, and adds it if not.
func (d *dupScan) seen(key []byte, mark int, many *map[string]struct{}) bool {
	if *many != nil {
		folded := strings.ToLower(string(key))
		if _, dup := (*many)[folded]; dup {
			return true
		}
		(*many)[folded] = struct{}{}
		return false
	}
	for _, k := range d.keys[mark:] {
		if bytes.EqualFold(k, key) {
			return true
		}
	}
	d.keys = append(d.keys, key)
	if len(d.keys)-mark >= manyKeys {
		*many = make(map[string]struct{}, 2*manyKeys)
		for _, k := range d.keys[mark:] {
			(*many)[strings.ToLower(string(k))] = struct{}{}
		}
	}
	return false
}

func (d *dupScan) array(depth int) bool {
	d.i++
	d.space()
	if d.i < len(d.b) && d.b[d.i] == ']' {
		d.i++
		return true
	}
	d.path = append(d.path, dupStep{})
	for n := 0; ; n++ {
		d.path[len(d.path)-1].index = n
		if !d.value(depth + 1) {
			return false
		}
		if more, ok := d.after(']'); !more {
			d.path = d.path[:len(d.path)-1]
			return ok
		}
	}
}

// after scans what follows a member or element: a comma (more to come),
// or end, which closes the object or array (ok, no more); anything else
// stops the scan.
func (d *dupScan) after(end byte) (more, ok bool) {
	d.space()
	if d.i >= len(d.b) {
		return false, false
	}
	switch d.b[d.i] {
	case ',':
		d.i++
		return true, true
	case end:
		d.i++
		return false, true
	}
	return false, false
}

// pathTo names key within the path scanned so far, e.g. riders[1].name.
func (d *dupScan) pathTo(key []byte) string {
	var sb strings.Builder
	for _, st := range append(d.path, dupStep{key: key, index: -1}) {
		if st.index >= 0 {
			sb.WriteString("[" + strconv.Itoa(st.index) + "]")
			continue
		}
		if sb.Len() > 0 {
			sb.WriteByte('.')
		}
		sb.Write(st.key)
	}
	return sb.String()
}
