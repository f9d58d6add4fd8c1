package heartlink

import (
	"strings"
	"testing"
	"unicode"
)

func TestValidName(t *testing.T) {
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"plain", "Wang Wei", true},
		{"Chinese", "鹰潭市第一中学", true},
		{"Arabic, right to left by itself", "مدرسة", true},
		{"a joiner inside an emoji", "Li 👩‍🚀", true},
		{"accents", "Zoë Ångström", true},
		{"trimmed", "  Li Ming  ", true},
		{"empty", "", false},
		{"spaces", "   ", false},
		{"100 characters", strings.Repeat("李", 100), true},
		{"too long", strings.Repeat("李", 101), false},
		{"NUL", "Li\x00Ming", false},
		{"newline", "Li\nMing", false},
		{"tab", "Li\tMing", false},
		{"DEL", "Li\x7fMing", false},
		{"ANSI escape", "\x1b[31mLi Ming\x1b[0m", false},
		{"C1 CSI", "Li\u009b31m", false},
		{"right-to-left override", "Li \u202egnimeL", false},
		{"left-to-right embedding", "\u202aLi", false},
		{"pop directional formatting", "Li\u202c", false},
		{"first strong isolate", "Li\u2068Ming\u2069", false},
		{"zero-width space only", "\u200b\u200b", false},
		{"zero-width joiners only", "\u200d\u200c\u2060", false},
		{"BOM only", "\ufeff", false},
		{"Hangul filler only", "\u3164", false},
		{"combining marks only", "\u0301\u0301", false},
		{"invalid UTF-8", "Li\xffMing", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidName("name", tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("ValidName(%q) = %v; want ok %v", tt.in, err, tt.ok)
			}
			if err != nil && (ErrorCode(err) != EInvalid || ErrorField(err) != "name") {
				t.Errorf("ValidName(%q) = %v; want an invalid error naming the field name", tt.in, err)
			}
		})
	}
}

// FuzzValidName: a name ValidName accepts holds, once trimmed as every
// store keeps it, no control or bidirectional override character, and
// shows something.
func FuzzValidName(f *testing.F) {
	for _, s := range []string{"Wang Wei", "鹰潭市第一中学", "Li \u202egniM", "\u200b", "\x1b[31m", "Zoë 👩‍🚀"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ValidName("name", s) != nil {
			return
		}
		visible := false
		for _, r := range strings.TrimSpace(s) {
			if unicode.IsControl(r) || bidiControl(r) {
				t.Fatalf("ValidName(%q) accepted U+%04X", s, r)
			}
			visible = visible || !blank(r)
		}
		if !visible {
			t.Fatalf("ValidName(%q) accepted a name that shows nothing", s)
		}
	})
}
