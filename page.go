package heartlink

import (
	"encoding/base64"
	"encoding/json"
)

// Cursor is where a page of a list ended, for the next page to go on
// strictly after it. List names the list it belongs to; Score and Member
// are the last item's place in a sorted list (Member alone for lists
// sorted by a key), Index the count of items read from an append-only
// one. Clients see it encoded, opaque: a string to send back as is.
type Cursor struct {
	List   string  `json:"l"`
	Score  float64 `json:"s,omitempty"`
	Member string  `json:"m,omitempty"`
	Index  int64   `json:"i,omitempty"`
}

// String encodes c for clients.
func (c Cursor) String() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// ParseCursor decodes a cursor of the list named; "" is the first page
// (nil). A cursor that is not one of the list's is a bad_request naming
// the cursor.
func ParseCursor(list, s string) (*Cursor, error) {
	if s == "" {
		return nil, nil
	}
	bad := FieldError(EBadRequest, "cursor", "cursor is not one this list gave out; start again without it")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	var c Cursor
	if err := json.Unmarshal(b, &c); err != nil || c.List != list || c.Index < 0 {
		return nil, bad
	}
	return &c, nil
}
