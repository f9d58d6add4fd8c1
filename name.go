package heartlink

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxNameLen is the longest name, in characters.
const MaxNameLen = 100

// ValidName checks the name of a person, organisation, place or campaign
// for field: required, at most MaxNameLen characters once trimmed, and
// nothing that would let it pass for something else where it is shown (a
// board, a driver's phone, a log, a terminal): no control characters (NUL,
// newlines, the ESC that starts an ANSI escape), no bidirectional
// embeddings, overrides or isolates (U+202A–U+202E, U+2066–U+2069), and at
// least one character that shows (not only zero-width or blank ones).
// It is the one rule for names: every service that takes one calls it.
func ValidName(field, s string) error {
	s = strings.TrimSpace(s)
	if s == "" {
		return FieldError(EInvalid, field, "%s is required", field)
	}
	if utf8.RuneCountInString(s) > MaxNameLen {
		return FieldError(EInvalid, field, "%s must be at most %d characters", field, MaxNameLen)
	}
	visible := false
	for _, r := range s {
		switch {
		case r == utf8.RuneError:
			return FieldError(EInvalid, field, "%s must be valid UTF-8", field)
		case unicode.IsControl(r):
			return FieldError(EInvalid, field, "%s may not hold control characters (U+%04X)", field, r)
		case bidiControl(r):
			return FieldError(EInvalid, field, "%s may not hold bidirectional override characters (U+%04X)", field, r)
		case !blank(r):
			visible = true
		}
	}
	if !visible {
		return FieldError(EInvalid, field, "%s must show at least one visible character", field)
	}
	return nil
}

// bidiControl reports the embeddings, overrides and isolates that reorder
// the text around them (U+202A–U+202E, U+2066–U+2069).
func bidiControl(r rune) bool {
	return r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069
}

// blank reports characters that show nothing: spaces, format characters
// (zero-width spaces and joiners, the BOM, soft hyphens, direction marks),
// and the letters that render empty (Hangul fillers, the braille blank).
func blank(r rune) bool {
	switch r {
	case 0x115F, 0x1160, 0x3164, 0xFFA0, 0x2800:
		return true
	}
	return unicode.IsSpace(r) || unicode.In(r, unicode.Cf, unicode.Mn, unicode.Me)
}
