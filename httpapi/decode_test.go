package httpapi

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/dispatch"
	"github.com/heartlink/heartlink/fleet"
)

func TestDecodeNamesTheField(t *testing.T) {
	tests := []struct {
		name  string
		into  func() any
		body  string
		code  string
		field string
	}{
		{"unknown top-level field", func() any { return &fleet.DriverRegistration{} }, `{"name":"x","colour":"red"}`, heartlink.EBadRequest, "colour"},
		{"unknown field in a nested object", func() any { return &fleet.DriverRegistration{} }, `{"vehicle":{"plate":"A","colour":"red"}}`, heartlink.EBadRequest, "vehicle.colour"},
		{"unknown field in a place", func() any { return &dispatch.Request{} }, `{"pickup":{"lat":1,"lng":2,"zip":"335000"}}`, heartlink.EBadRequest, "pickup.zip"},
		{"unknown field in the second rider", func() any { return &dispatch.Request{} }, `{"riders":[{"name":"a"},{"name":"b","age":17}]}`, heartlink.EBadRequest, "riders[1].age"},
		{"wrong type", func() any { return &fleet.DriverRegistration{} }, `{"vehicle":{"seats":"four"}}`, heartlink.EBadRequest, "vehicle.seats"},
		{"bad time", func() any { return &dispatch.Request{} }, `{"arrive_by":"tomorrow"}`, heartlink.EBadRequest, "arrive_by"},
		{"missing coordinate", func() any { return &dispatch.Request{} }, `{"dropoff":{"lat":1,"address":"x"}}`, heartlink.EInvalid, "dropoff.lng"},
		{"not JSON", func() any { return &dispatch.Request{} }, `{"kind":`, heartlink.EBadRequest, ""},
		{"two objects", func() any { return &dispatch.Request{} }, `{} {}`, heartlink.EBadRequest, ""},
		{"an array", func() any { return &dispatch.Request{} }, `[1]`, heartlink.EBadRequest, ""},
		{"a duplicate key", func() any { return &fleet.DriverRegistration{} }, `{"name":"Wang Wei","phone":"13800000001","name":"Admin"}`, heartlink.EBadRequest, "name"},
		{"a duplicate key in another case", func() any { return &fleet.DriverRegistration{} }, `{"verified_minors":false,"Verified_Minors":true}`, heartlink.EBadRequest, "Verified_Minors"},
		{"a duplicate key in a nested object", func() any { return &fleet.DriverRegistration{} }, `{"vehicle":{"seats":4,"plate":"A","seats":40}}`, heartlink.EBadRequest, "vehicle.seats"},
		{"a duplicate key in the second rider", func() any { return &dispatch.Request{} }, `{"riders":[{"name":"a"},{"name":"b","name":"c"}]}`, heartlink.EBadRequest, "riders[1].name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := decodeBytes([]byte(tt.body), tt.into())
			require.Error(t, err)
			assert.Equal(t, tt.code, heartlink.ErrorCode(err), "code of %v", err)
			assert.Equal(t, tt.field, heartlink.ErrorField(err), "field of %v", err)
		})
	}
}

func TestStatusOf(t *testing.T) {
	for code, want := range map[string]int{
		heartlink.EBadRequest: 400, heartlink.EInvalid: 422, heartlink.EUnauthorized: 401,
		heartlink.EForbidden: 403, heartlink.ENotFound: 404, heartlink.ETaken: 409, heartlink.EClash: 409,
		heartlink.ETooLarge: 413, heartlink.ERateLimited: 429, heartlink.EInternal: 500, "anything else": 500,
	} {
		if got := StatusOf(code); got != want {
			t.Errorf("StatusOf(%q) = %d; want %d", code, got, want)
		}
	}
}
