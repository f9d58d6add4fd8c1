package httpapi

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/fleet"
)

func TestParseImport(t *testing.T) {
	now := time.Date(2027, 6, 6, 12, 0, 0, 0, time.UTC)
	places := []*fleet.Place{{ID: "plc_1", Name: "Yingtan No.1 Middle School", Kind: fleet.ExamSite, Lat: 28.26, Lng: 117.07}}
	const header = "name,phone,pickup_lat,pickup_lng,pickup_address,exam_site,arrive_by\n"
	tests := []struct {
		name     string
		body     string
		requests int
		problems []RowProblem
		code     string
	}{
		{"two students", header +
			"Li Ming,13900000002,28.27,117.06,12 Shengli Rd,Yingtan No.1 Middle School,2027-06-07 08:15\n" +
			"Wang Fang,,28.25,117.05,3 Station Rd,plc_1,2027-06-07T08:15:00+08:00\n", 2, nil, ""},
		{"columns in another order, with a BOM", "\ufeffexam_site,arrive_by,name,phone,pickup_lat,pickup_lng,pickup_address\n" +
			"yingtan no.1 middle school,2027-06-07 08:15,Li Ming,13900000002,28.27,117.06,12 Shengli Rd\n", 1, nil, ""},
		{"bad rows named", header +
			"Li Ming,13900000002,28.27,117.06,12 Shengli Rd,Yingtan No.1 Middle School,2027-06-07 08:15\n" +
			"Wang Fang,,north,117.05,3 Station Rd,plc_1,2027-06-07 08:15\n" +
			"Zhao Lei,,28.25,117.05,3 Station Rd,No.9 School,2027-06-07 08:15\n" +
			"Sun Yu,,28.25,117.05,3 Station Rd,plc_1,tomorrow\n" +
			",,28.25,117.05,3 Station Rd,plc_1,2027-06-07 08:15\n", 1, []RowProblem{
			{Row: 2, Field: "pickup_lat", Message: "pickup_lat must be a number"},
			{Row: 3, Field: "exam_site", Message: `no place named "No.9 School"`},
			{Row: 4, Field: "arrive_by"},
			{Row: 5, Field: "name"},
		}, ""},
		{"every problem of a row, in the order of the columns", header +
			"Li Ming,call me,north,117.05,,No.9 School,tomorrow\n" +
			"Wang Fang,,95,117.05,3 Station Rd,plc_1,2027-06-07 08:15\n", 0, []RowProblem{
			{Row: 1, Field: "phone"},
			{Row: 1, Field: "pickup_lat", Message: "pickup_lat must be a number"},
			{Row: 1, Field: "pickup_address"},
			{Row: 1, Field: "exam_site", Message: `no place named "No.9 School"`},
			{Row: 1, Field: "arrive_by"},
			{Row: 2, Field: "pickup_lat", Message: "lat must be between -85.05 and 85.05"},
		}, ""},
		{"missing column", "name,phone\nLi Ming,1390000\n", 0, nil, heartlink.EBadRequest},
		{"empty", "", 0, nil, heartlink.EBadRequest},
		{"header only", header, 0, nil, heartlink.EBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reqs, problems, err := parseImport([]byte(tt.body), places, now, "")
			if tt.code != "" {
				require.Error(t, err)
				assert.Equal(t, tt.code, heartlink.ErrorCode(err))
				return
			}
			require.NoError(t, err)
			assert.Len(t, reqs, tt.requests)
			require.Len(t, problems, len(tt.problems), "%+v", problems)
			for i, p := range tt.problems {
				assert.Equal(t, p.Row, problems[i].Row)
				assert.Equal(t, p.Field, problems[i].Field)
				if p.Message != "" {
					assert.Equal(t, p.Message, problems[i].Message)
				}
			}
		})
	}
}

// FuzzParseImport: any list is read without panicking, and what comes
// back is bounded by the row cap, however many bad lines were sent.
func FuzzParseImport(f *testing.F) {
	const header = "name,phone,pickup_lat,pickup_lng,pickup_address,exam_site,arrive_by\n"
	f.Add([]byte(header + "Li Ming,13900000002,28.27,117.06,12 Shengli Rd,plc_1,2027-06-07 08:15\n"))
	f.Add([]byte(header + "x\nx\n\"unterminated\n"))
	f.Add([]byte("\ufeff" + header + ",,,,,,\n"))
	f.Add([]byte("name\n"))
	now := time.Date(2027, 6, 6, 12, 0, 0, 0, time.UTC)
	places := []*fleet.Place{{ID: "plc_1", Name: "Yingtan No.1 Middle School", Kind: fleet.ExamSite, Lat: 28.26, Lng: 117.07}}
	f.Fuzz(func(t *testing.T, body []byte) {
		reqs, problems, err := parseImport(body, places, now, "")
		if err != nil {
			return
		}
		if len(problems) > 0 && len(reqs)+refusal(problems).Problems > maxImportRows+1 {
			t.Fatalf("%d requests and %d bad rows from one list; at most %d rows are read", len(reqs), refusal(problems).Problems, maxImportRows)
		}
		if len(problems) > 0 && len(refusal(problems).Rows) > maxImportProblems {
			t.Fatalf("a refusal lists %d rows", len(refusal(problems).Rows))
		}
	})
}

// A list saved by Excel on Chinese Windows (GBK), or as "Unicode text"
// (UTF-16), is read as the school wrote it; a list that is no known text is
// refused whole, never booked with garbled names.
func TestImportReadsTheListsEncoding(t *testing.T) {
	now := time.Date(2027, 6, 6, 12, 0, 0, 0, time.UTC)
	places := []*fleet.Place{{ID: "plc_1", Name: "鹰潭一中", Kind: fleet.ExamSite, Lat: 28.26, Lng: 117.07}}
	const list = "name,phone,pickup_lat,pickup_lng,pickup_address,exam_site,arrive_by\n" +
		"李明,13900000002,28.27,117.06,胜利路12号,鹰潭一中,2027-06-07 08:15\n"
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(list)
	require.NoError(t, err)
	utf16, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String(list)
	require.NoError(t, err)
	for name, body := range map[string]string{"UTF-8": list, "UTF-8 with a BOM": "\ufeff" + list, "GBK": gbk, "UTF-16": utf16} {
		t.Run(name, func(t *testing.T) {
			reqs, problems, err := parseImport([]byte(body), places, now, "")
			require.NoError(t, err)
			require.Empty(t, problems)
			require.Len(t, reqs, 1)
			assert.Equal(t, "李明", reqs[0].Riders[0].Name)
			assert.Equal(t, "胜利路12号", reqs[0].Pickup.Address)
		})
	}
	for name, body := range map[string]string{
		"bytes that are no text":           list + "\x81\x20\xff,\n",
		"text garbled before it was saved": strings.Replace(list, "李明", "\ufffd\ufffd", 1),
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := parseImport([]byte(body), places, now, "")
			assert.Equal(t, heartlink.EInvalid, heartlink.ErrorCode(err), "%v", err)
		})
	}
}

// A problem names the line of the file its row starts on, as an editor
// shows it, beside its row: a quoted cell may span lines.
func TestImportProblemsNameTheirLine(t *testing.T) {
	now := time.Date(2027, 6, 6, 12, 0, 0, 0, time.UTC)
	places := []*fleet.Place{{ID: "plc_1", Name: "Yingtan No.1 Middle School", Kind: fleet.ExamSite, Lat: 28.26, Lng: 117.07}}
	body := "name,phone,pickup_lat,pickup_lng,pickup_address,exam_site,arrive_by\n" +
		"Li Ming,13900000002,28.27,117.06,\"12 Shengli Rd,\nBuilding 3\",plc_1,2027-06-07 08:15\n" +
		"Wang Fang,,north,117.05,3 Station Rd,plc_1,2027-06-07 08:15\n"
	_, problems, err := parseImport([]byte(body), places, now, "")
	require.NoError(t, err)
	require.Len(t, problems, 1)
	assert.Equal(t, RowProblem{Row: 2, Line: 4, Field: "pickup_lat", Message: "pickup_lat must be a number"}, problems[0])
}
