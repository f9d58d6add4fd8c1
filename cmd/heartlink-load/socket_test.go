package main

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/heartlink/heartlink/realtime"
)

func TestTypeOfReadsTheServersFrames(t *testing.T) {
	msg, err := realtime.Encode("driver_route", "", map[string]any{"stops": []any{}})
	assert.NoError(t, err)
	typ, ok := typeOf(msg)
	assert.True(t, ok)
	assert.Equal(t, "driver_route", typ)

	// Anything else is left to a full decode.
	for _, msg := range []string{`{ "type":"offer"}`, `{"data":{},"type":"offer"}`, `{"type":"a\"b"}`, `{"type":""}`, `{"type":"x`, ``} {
		_, ok := typeOf([]byte(msg))
		assert.False(t, ok, msg)
	}
}
