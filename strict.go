package heartlink

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
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
