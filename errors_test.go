package heartlink

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestJoin(t *testing.T) {
	name := FieldError(EInvalid, "name", "name is required")
	seats := FieldError(EInvalid, "vehicle.seats", "seats must be between 1 and 8")
	failed := errors.New("redis: connection refused")
	tests := []struct {
		name   string
		errs   []error
		fields []string // of Problems(Join(errs...)); nil for no error
		code   string   // ErrorCode(Join(errs...))
		field  string   // ErrorField(Join(errs...))
	}{
		{"none", []error{nil, nil}, nil, "", ""},
		{"one", []error{nil, name}, []string{"name"}, EInvalid, "name"},
		{"two, the first leads", []error{name, nil, seats}, []string{"name", "vehicle.seats"}, EInvalid, "name"},
		{"nested and wrapped", []error{fmt.Errorf("check: %w", Join(seats, name))}, []string{"vehicle.seats", "name"}, EInvalid, "vehicle.seats"},
		{"a failure is returned alone", []error{name, failed}, []string{""}, EInternal, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Join(tt.errs...)
			var fields []string
			for _, p := range Problems(err) {
				fields = append(fields, p.Field)
			}
			if fmt.Sprint(fields) != fmt.Sprint(tt.fields) || (fields == nil) != (tt.fields == nil) {
				t.Errorf("Problems(Join(%v)) fields = %q; want %q", tt.errs, fields, tt.fields)
			}
			if got := ErrorCode(err); got != tt.code {
				t.Errorf("ErrorCode(Join(%v)) = %q; want %q", tt.errs, got, tt.code)
			}
			if got := ErrorField(err); got != tt.field {
				t.Errorf("ErrorField(Join(%v)) = %q; want %q", tt.errs, got, tt.field)
			}
		})
	}
}

func TestUnder(t *testing.T) {
	err := Join(FieldError(EInvalid, "weekly[0].to", "to must be after from"), Errorf(EInvalid, "no field"))
	got := Problems(Under("hours", err))
	require.Len(t, got, 2)
	assert.Equal(t, "hours.weekly[0].to", got[0].Field, "a field is named inside the object")
	assert.Equal(t, "to must be after from", got[0].Message)
	assert.Equal(t, "", got[1].Field, "a problem naming no field still names none")
	assert.Equal(t, "weekly[0].to", ErrorField(err), "the problems given are not changed")
	assert.NoError(t, Under("hours", nil))
}
