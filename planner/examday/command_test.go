package examday

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tinyInstance is a gen.py-shaped morning: three students, two cars.
const tinyInstance = `{
 "format": "heartlink-examday-instance/1",
 "name": "tiny",
 "travel_model": {"kind": "haversine_detour", "detour": 1.3, "speed_kmh": 25.0, "earth_radius_km": 6371.0088},
 "service_s": {"pickup": 60, "dropoff": 30},
 "max_ride": {"abs_s": 2700, "factor": 1.5, "add_s": 600},
 "sites": [{"id": "S1", "name": "No.1", "lat": 28.267395, "lon": 117.081552}],
 "students": [
  {"id": 1, "lat": 28.274322, "lon": 117.116216, "site": "S1", "earliest_pickup": 25200, "arrive_by": 30600, "wheelchair": false},
  {"id": 2, "lat": 28.27, "lon": 117.11, "site": "S1", "earliest_pickup": 25200, "arrive_by": 30600, "wheelchair": true},
  {"id": 3, "lat": 28.25, "lon": 117.05, "site": "S1", "earliest_pickup": 25200, "arrive_by": 30600, "wheelchair": false}
 ],
 "cars": [
  {"id": 7, "lat": 28.28, "lon": 117.12, "seats": 4, "wheelchair": true, "wheelchair_slots": 1, "available_from": 23400},
  {"id": 9, "lat": 28.25, "lon": 117.06, "seats": 4, "wheelchair": false, "wheelchair_slots": 0, "available_from": 23400}
 ]
}`

func writeFile(tb testing.TB, name, body string) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), name)
	require.NoError(tb, os.WriteFile(path, []byte(body), 0o644))
	return path
}

func TestCommandWritesNeutralPlan(t *testing.T) {
	in := writeFile(t, "tiny.instance.json", tinyInstance)
	out := filepath.Join(t.TempDir(), "plan.json")
	var stdout, stderr bytes.Buffer
	err := Command(context.Background(), []string{"-in", in, "-out", out, "-iterations", "50"}, &stdout, &stderr)
	require.NoError(t, err, stderr.String())
	assert.Contains(t, stdout.String(), "3/3 students")

	b, err := os.ReadFile(out)
	require.NoError(t, err)
	var plan struct {
		Format   string `json:"format"`
		Instance string `json:"instance"`
		Routes   []struct {
			Car   int `json:"car"`
			Start int `json:"start"`
			Stops []struct {
				Kind    string `json:"kind"`
				Student int    `json:"student"`
				Site    string `json:"site"`
				Time    int    `json:"time"`
			} `json:"stops"`
		} `json:"routes"`
		Unserved []int `json:"unserved"`
	}
	require.NoError(t, json.Unmarshal(b, &plan))
	assert.Equal(t, "heartlink-examday-plan/1", plan.Format)
	assert.Equal(t, "tiny", plan.Instance)
	assert.NotNil(t, plan.Unserved, "an empty list, not null")
	stops := 0
	for _, r := range plan.Routes {
		assert.Contains(t, []int{7, 9}, r.Car)
		for _, s := range r.Stops {
			stops++
			assert.Contains(t, []string{"pickup", "dropoff"}, s.Kind)
			if s.Kind == "dropoff" {
				assert.Equal(t, "S1", s.Site)
				assert.LessOrEqual(t, s.Time, 30600-600, "ten minutes before the gate")
			}
			if s.Student == 2 {
				assert.Equal(t, 7, r.Car, "the wheelchair student rides the wheelchair car")
			}
		}
	}
	assert.Equal(t, 6, stops)
	_, err = os.Stat(out + ".tmp")
	assert.True(t, os.IsNotExist(err), "no temporary file left behind")
}

func TestCommandSameSeedSamePlan(t *testing.T) {
	in := writeFile(t, "tiny.instance.json", tinyInstance)
	dir := t.TempDir()
	var plans []string
	for _, name := range []string{"a.json", "b.json"} {
		out := filepath.Join(dir, name)
		require.NoError(t, Command(context.Background(),
			[]string{"-in", in, "-out", out, "-seed", "5", "-iterations", "100"}, &bytes.Buffer{}, &bytes.Buffer{}))
		b, err := os.ReadFile(out)
		require.NoError(t, err)
		plans = append(plans, string(b))
	}
	assert.Equal(t, plans[0], plans[1])
}

func TestCommandErrors(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "plan.json")
	good := writeFile(t, "good.json", tinyInstance)
	tests := []struct {
		name string
		args []string
		body string // written to -in when set
		want string
	}{
		{"no flags", nil, "", "-in and -out are required"},
		{"unknown flag", []string{"-frobnicate"}, "", "flag provided but not defined"},
		{"missing file", []string{"-in", filepath.Join(dir, "nope.json"), "-out", out}, "", "no such file"},
		{"not JSON", nil, "{students: [", "not valid JSON"},
		{"empty file", nil, "", "reading instance"},
		{"wrong format", nil, `{"format": "something-else/2"}`, `format is "something-else/2"`},
		{"wrong type", nil, `{"format": "heartlink-examday-instance/1", "students": [{"id": "seven"}]}`, "wrong type"},
		{"missing field", nil, `{"format": "heartlink-examday-instance/1", "students": [{"id": 3, "lat": 28.2}]}`, "student #0 (id 3)"},
		{"unknown site", nil, strings.Replace(tinyInstance, `"site": "S1", "earliest_pickup": 25200, "arrive_by": 30600, "wheelchair": true`,
			`"site": "S9", "earliest_pickup": 25200, "arrive_by": 30600, "wheelchair": true`, 1), `unknown site "S9"`},
		{"duplicate car", nil, strings.Replace(tinyInstance, `"id": 9,`, `"id": 7,`, 1), "car 7: duplicate id"},
		{"negative margin", []string{"-in", good, "-out", out, "-margin", "-1m"}, "", "-margin"},
		{"unwritable output", []string{"-in", good, "-out", filepath.Join(dir, "no", "such", "dir", "plan.json")}, "", "writing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if args == nil && tt.name != "no flags" {
				args = []string{"-in", writeFile(t, "in.json", tt.body), "-out", out}
			}
			var stdout, stderr bytes.Buffer
			err := Command(context.Background(), args, &stdout, &stderr)
			require.Error(t, err)
			assert.Contains(t, err.Error()+stderr.String(), tt.want)
		})
	}
}
