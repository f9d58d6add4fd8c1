package fleet

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/heartlink/heartlink"
)

// straight is a travel model for tests: the straight line at 30 km/h.
func straight(a, b heartlink.Point) (float64, time.Duration) {
	km := heartlink.DistanceKm(a, b)
	return km, time.Duration(km / 30 * float64(time.Hour)).Round(time.Second)
}

func testPlaces() []*Place {
	return []*Place{
		{ID: "plc_1", Name: "鹰潭一中", Kind: ExamSite, Lat: 28.2351, Lng: 117.0287, Aliases: []string{"鹰潭市第一中学", "Yingtan No.1 Middle School"}},
		{ID: "plc_2", Name: "鹰潭二中", Kind: ExamSite, Lat: 28.2480, Lng: 117.0500, Aliases: []string{"鹰潭市第二中学", "Yingtan No.2 Middle School"}},
		{ID: "plc_3", Name: "Yingtan Station", Kind: Station, Lat: 28.2700, Lng: 117.0600},
		{ID: "plc_4", Name: "Yingtan", Kind: ServiceCentre, Lat: 28.2600, Lng: 117.0700},
		{ID: "plc_5", Name: "North Yingtan Station", Kind: Station, Lat: 28.3000, Lng: 117.0700},
		{ID: "plc_6", Name: "Yingtan People's Hospital", Kind: HospitalPlace, Lat: 28.2550, Lng: 117.0450},
	}
}

func foundIDs(fs []PlaceFound) []string {
	var ids []string
	for _, f := range fs {
		ids = append(ids, f.ID)
	}
	return ids
}

func TestPlaceSearch(t *testing.T) {
	at := &heartlink.Point{Lat: 28.2700, Lng: 117.0600} // at Yingtan Station
	tests := []struct {
		name string
		q    PlaceQuery
		want []string
	}{
		{"everything, by name", PlaceQuery{}, []string{"plc_5", "plc_4", "plc_6", "plc_3", "plc_1", "plc_2"}},
		{"a school by its full Chinese name", PlaceQuery{Text: "鹰潭市第二中学"}, []string{"plc_2"}},
		{"by its English name, any case and spacing", PlaceQuery{Text: "yingtan no 2 middle school"}, []string{"plc_2"}},
		{"by the start of an alias", PlaceQuery{Text: "Yingtan No.2"}, []string{"plc_2"}},
		{"full-width digits as typed on a Chinese keyboard", PlaceQuery{Text: "Yingtan No.２"}, []string{"plc_2"}},
		{"by part of its name", PlaceQuery{Text: "二中"}, []string{"plc_2"}},
		{"exact, then prefix, then contained", PlaceQuery{Text: "YINGTAN"},
			[]string{"plc_4", "plc_6", "plc_3", "plc_1", "plc_2", "plc_5"}},
		{"only one kind", PlaceQuery{Kind: Station}, []string{"plc_5", "plc_3"}},
		{"a kind and a name", PlaceQuery{Kind: Station, Text: "yingtan"}, []string{"plc_3", "plc_5"}},
		{"nearest first", PlaceQuery{Near: at}, []string{"plc_3", "plc_4", "plc_6", "plc_2", "plc_5", "plc_1"}},
		{"the nearest station", PlaceQuery{Kind: Station, Near: at}, []string{"plc_3", "plc_5"}},
		{"the match ranks before the distance", PlaceQuery{Text: "yingtan station", Near: &heartlink.Point{Lat: 28.3000, Lng: 117.0700}},
			[]string{"plc_3", "plc_5"}},
		{"nothing matches", PlaceQuery{Text: "Shanghai"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.q.Search(testPlaces(), straight)
			assert.Equal(t, tt.want, foundIDs(got), "Search(%+v)", tt.q)
			for _, f := range got {
				if tt.q.Near == nil {
					assert.Nil(t, f.DistanceKm, "no distance without near")
					assert.Nil(t, f.TravelMinutes, "no travel time without near")
				}
			}
		})
	}
}

func TestPlaceSearchDistance(t *testing.T) {
	at := &heartlink.Point{Lat: 28.2700, Lng: 117.0600}
	got := PlaceQuery{Near: at}.Search(testPlaces(), straight)
	require.Len(t, got, 6)
	require.NotNil(t, got[0].DistanceKm)
	assert.Equal(t, 0.0, *got[0].DistanceKm, "standing at the station")
	assert.Equal(t, 0, *got[0].TravelMinutes)
	far := got[len(got)-1]
	km, d := straight(*at, far.Point())
	assert.InDelta(t, km, *far.DistanceKm, 0.05, "to a tenth of a kilometre")
	assert.Equal(t, int(d.Minutes())+1, *far.TravelMinutes, "whole minutes, rounded up")
	for i := 1; i < len(got); i++ {
		assert.LessOrEqual(t, *got[i-1].DistanceKm, *got[i].DistanceKm, "nearest first")
	}
}

func TestParsePlaceQuery(t *testing.T) {
	tests := []struct {
		name, kind, q, near string
		want                PlaceQuery
		fields              []string
	}{
		{"nothing", "", "", "", PlaceQuery{}, nil},
		{"all three", "station", " 二中 ", "28.26, 117.07", PlaceQuery{Kind: Station, Text: "二中", Near: &heartlink.Point{Lat: 28.26, Lng: 117.07}}, nil},
		{"unknown kind", "shop", "", "", PlaceQuery{}, []string{"kind"}},
		{"near without a comma", "", "", "28.26 117.07", PlaceQuery{}, []string{"near"}},
		{"near not numbers", "", "", "north,east", PlaceQuery{}, []string{"near"}},
		{"near off the map", "", "", "91,181", PlaceQuery{}, []string{"near", "near"}},
		{"q of punctuation only", "", "...", "", PlaceQuery{}, []string{"q"}},
		{"q too long", "", strings.Repeat("中", MaxPlaceText+1), "", PlaceQuery{}, []string{"q"}},
		{"every problem at once", "shop", "!!", "x", PlaceQuery{}, []string{"kind", "q", "near"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePlaceQuery(tt.kind, tt.q, tt.near, "")
			if tt.fields == nil {
				require.NoError(t, err)
				assert.Equal(t, tt.want, got)
				return
			}
			var fields []string
			for _, p := range heartlink.Problems(err) {
				assert.Equal(t, heartlink.EInvalid, p.Code, "%v", p)
				fields = append(fields, p.Field)
			}
			assert.Equal(t, tt.fields, fields, "ParsePlaceQuery(%q, %q, %q) = %v", tt.kind, tt.q, tt.near, err)
		})
	}
}

func TestPlaceDraftAliases(t *testing.T) {
	lat, lng := 28.248, 117.05
	d := PlaceDraft{Name: " 鹰潭二中 ", Kind: ExamSite, Lat: &lat, Lng: &lng,
		Aliases: []string{"鹰潭市第二中学", " Yingtan No.2 Middle School ", "鹰潭二中", "鹰潭市第二中学"}}
	require.NoError(t, d.Validate())
	p := d.Place("plc_2")
	assert.Equal(t, "鹰潭二中", p.Name)
	assert.Equal(t, []string{"鹰潭市第二中学", "Yingtan No.2 Middle School"}, p.Aliases, "trimmed, each once, the name not repeated")

	d.Aliases = []string{"ok", " ", "bad\x1b[31m"}
	var fields []string
	for _, e := range heartlink.Problems(d.Validate()) {
		fields = append(fields, e.Field)
	}
	assert.Equal(t, []string{"aliases[1]", "aliases[2]"}, fields)
	d.Aliases = make([]string, MaxAliases+1)
	assert.Equal(t, "aliases", heartlink.ErrorField(d.Validate()))
}
