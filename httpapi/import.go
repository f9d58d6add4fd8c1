package httpapi

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/dispatch"
	"github.com/heartlink/heartlink/fleet"
)

// importColumns are the columns of a student list, in any order. A list
// may also have a pickup_after column (no pick-up before it; blank: as the
// service plans it), a wheelchair column (1, yes, true or 是) and a
// campaign_id column (the campaign whose shift the student rides in).
var importColumns = []string{"name", "phone", "pickup_lat", "pickup_lng", "pickup_address", "exam_site", "arrive_by"}

// Imports are bounded: a school's list, not a city's. A refusal lists the
// first maxImportProblems problems and counts the bad rows, so that its
// answer stays small whatever was sent.
const (
	maxImportRows     = 2000
	maxImportBytes    = 1 << 20
	maxImportProblems = 100
)

// RowProblem is why one row of an import was refused: one field of it (a
// row with several bad fields has one RowProblem for each, in the order of
// the columns). Row counts from 1 for the first line after the header;
// Line is where the row starts in the file, as an editor numbers it.
type RowProblem struct {
	Row     int    `json:"row"`
	Line    int    `json:"line,omitempty"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

// importBody is the answer to an import that was refused: nothing was
// booked, the first problems say why, and Problems counts the bad rows.
type importBody struct {
	ErrorBody
	Rows     []RowProblem `json:"rows"`
	Problems int          `json:"problems"`
}

// refusal is the answer to a list with problems.
func refusal(problems []RowProblem) importBody {
	rows := 0
	for i, p := range problems {
		if i == 0 || p.Row != problems[i-1].Row {
			rows++
		}
	}
	msg := strconv.Itoa(rows) + " rows are wrong; nothing was booked"
	shown := problems
	if len(shown) > maxImportProblems {
		shown = shown[:maxImportProblems]
		msg += "; the first " + strconv.Itoa(maxImportProblems) + " problems are listed"
	}
	return importBody{
		errorBody(heartlink.FieldError(heartlink.EInvalid, "rows", "%s", msg)),
		shown, rows,
	}
}

// handleImport books a trip for every student of a CSV list, or none: every
// row is checked first, and one bad row refuses the whole list, naming it.
func (s *Server) handleImport() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		by := principal(r)
		if err := must(by, heartlink.RoleRequester, heartlink.RoleCoordinator); err != nil {
			s.error(w, r, err)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxImportBytes))
		if err != nil {
			s.error(w, r, decodeError(err))
			return
		}
		places, err := s.cfg.Fleet.Places(r.Context())
		if err != nil {
			s.error(w, r, err)
			return
		}
		reqs, problems, err := parseImport(body, places, s.cfg.Clock.Now(), r.URL.Query().Get("requester_id"))
		if err != nil {
			s.error(w, r, err)
			return
		}
		if len(problems) > 0 {
			s.json(w, http.StatusUnprocessableEntity, refusal(problems))
			return
		}
		trips := make([]*dispatch.Trip, 0, len(reqs))
		for i, req := range reqs {
			t, err := s.cfg.Dispatch.Request(r.Context(), by, req)
			if err != nil {
				// Every row was checked, so this is the store failing: take
				// back what was booked, so that nothing is half-imported.
				for _, done := range trips {
					if _, cerr := s.cfg.Dispatch.Cancel(r.Context(), by, done.ID); cerr != nil {
						s.log.Error("import: undo", "trip", done.ID, "err", cerr)
					}
				}
				if heartlink.ErrorCode(err) != heartlink.EInternal {
					s.json(w, StatusOf(heartlink.ErrorCode(err)), importBody{
						errorBody(heartlink.FieldError(heartlink.ErrorCode(err), "rows", "row %d: %s", i+1, heartlink.ErrorMessage(err))),
						[]RowProblem{{Row: i + 1, Field: heartlink.ErrorField(err), Message: heartlink.ErrorMessage(err)}}, 1,
					})
					return
				}
				s.error(w, r, err)
				return
			}
			trips = append(trips, t)
		}
		s.json(w, http.StatusCreated, map[string]any{"booked": len(trips), "trips": s.views(r, trips)})
	})
}

// parseImport reads a student list into trip requests, or says what is
// wrong with each bad row. An error is a list that cannot be read at all.
func parseImport(body []byte, places []*fleet.Place, now time.Time, requesterID string) ([]dispatch.Request, []RowProblem, error) {
	body, err := decodeList(body)
	if err != nil {
		return nil, nil, err
	}
	cr := csv.NewReader(bytes.NewReader(body))
	cr.TrimLeadingSpace = true
	var header []string
	header, err = cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil, heartlink.Errorf(heartlink.EBadRequest, "the list is empty: send CSV with a header line %s", strings.Join(importColumns, ","))
	}
	if err != nil {
		return nil, nil, heartlink.Errorf(heartlink.EBadRequest, "the list is not CSV: %v", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	for _, c := range importColumns {
		if _, ok := col[c]; !ok {
			return nil, nil, heartlink.FieldError(heartlink.EBadRequest, c, "the header lacks the column %q (want %s)", c, strings.Join(importColumns, ","))
		}
	}
	byName := map[string]*fleet.Place{}
	for _, p := range places {
		byName[strings.ToLower(p.Name)] = p
		byName[strings.ToLower(p.ID)] = p
	}
	var reqs []dispatch.Request
	var problems []RowProblem
	for row := 1; ; row++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		// Bad rows count too: a megabyte of them must not be read, and
		// answered, one by one.
		if row > maxImportRows {
			if len(problems) > 0 {
				problems = append(problems, RowProblem{Row: row, Message: fmt.Sprintf("a list holds at most %d students: the rest was not read", maxImportRows)})
				break
			}
			return nil, nil, heartlink.Errorf(heartlink.ETooLarge, "a list holds at most %d students", maxImportRows)
		}
		if err != nil {
			var pe *csv.ParseError
			line := 0
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			problems = append(problems, RowProblem{Row: row, Line: line, Field: "", Message: "not a CSV line: " + err.Error()})
			continue
		}
		line, _ := cr.FieldPos(0)
		get := func(c string) string { return strings.TrimSpace(rec[col[c]]) }
		// Every problem of the row is reported at once: the cells that
		// cannot be read, then what the trip request they make says.
		var found []RowProblem
		bad := func(field, msg string) {
			found = append(found, RowProblem{Row: row, Line: line, Field: field, Message: msg})
		}
		lat, err1 := strconv.ParseFloat(get("pickup_lat"), 64)
		lng, err2 := strconv.ParseFloat(get("pickup_lng"), 64)
		if err1 != nil {
			bad("pickup_lat", "pickup_lat must be a number")
		}
		if err2 != nil {
			bad("pickup_lng", "pickup_lng must be a number")
		}
		req := dispatch.Request{
			Kind:        dispatch.ExamEscort,
			Pickup:      &dispatch.Place{Lat: lat, Lng: lng, Address: get("pickup_address")},
			Riders:      []dispatch.Rider{{Name: get("name"), Phone: get("phone")}},
			RequesterID: requesterID,
		}
		if site := byName[strings.ToLower(get("exam_site"))]; site != nil {
			req.Dropoff = &dispatch.Place{Lat: site.Lat, Lng: site.Lng, Address: placeAddress(site)}
		} else {
			bad("exam_site", "no place named "+strconv.Quote(get("exam_site")))
		}
		if arrive, err := parseWhen(get("arrive_by")); err == nil {
			req.ArriveBy = &heartlink.Timestamp{Time: arrive}
		} else {
			bad("arrive_by", "arrive_by must be a time such as 2027-06-07T08:15:00+08:00 or 2027-06-07 08:15 (Beijing time)")
		}
		if i, ok := col["campaign_id"]; ok {
			req.CampaignID = strings.TrimSpace(rec[i])
		}
		if i, ok := col["wheelchair"]; ok {
			switch strings.ToLower(strings.TrimSpace(rec[i])) {
			case "1", "yes", "true", "是", "y":
				req.Wheelchair = true
			case "", "0", "no", "false", "否", "n":
			default:
				bad("wheelchair", "wheelchair must be yes or no (1/0, 是/否), or blank")
			}
		}
		if i, ok := col["pickup_after"]; ok && strings.TrimSpace(rec[i]) != "" {
			if after, err := parseWhen(strings.TrimSpace(rec[i])); err == nil {
				req.PickupAfter = &heartlink.Timestamp{Time: after}
			} else {
				bad("pickup_after", "pickup_after must be a time such as 2027-06-07T06:30:00+08:00 or 2027-06-07 06:30 (Beijing time)")
			}
		}
		unread := map[string]bool{}
		for _, p := range found {
			unread[p.Field] = true
		}
		// A pick-up that could not be read is not too far from anywhere.
		unread["exam_site"] = unread["exam_site"] || err1 != nil || err2 != nil
		for _, p := range heartlink.Problems(req.Validate(now)) {
			if field := importField(p.Field); !unread[field] {
				bad(field, p.Message)
			}
		}
		if len(found) > 0 {
			column := func(f string) int {
				if i, ok := col[f]; ok {
					return i
				}
				return len(header)
			}
			slices.SortStableFunc(found, func(a, b RowProblem) int { return cmp.Compare(column(a.Field), column(b.Field)) })
			problems = append(problems, found...)
			continue
		}
		reqs = append(reqs, req)
	}
	if len(reqs) == 0 && len(problems) == 0 {
		return nil, nil, heartlink.Errorf(heartlink.EBadRequest, "the list has a header but no students")
	}
	return reqs, problems, nil
}

// decodeList reads a list's bytes as text: UTF-8, with or without the BOM
// spreadsheets add; UTF-16 with its BOM (Excel's "Unicode text"); else
// GB18030, which covers the GBK that Excel on Chinese Windows saves "CSV"
// in. A list that is none of these is refused whole, never booked with
// its names garbled.
func decodeList(body []byte) ([]byte, error) {
	var dec *encoding.Decoder
	switch {
	case bytes.HasPrefix(body, []byte("\ufeff")):
		body = body[3:]
	case bytes.HasPrefix(body, []byte{0xFF, 0xFE}), bytes.HasPrefix(body, []byte{0xFE, 0xFF}):
		dec = unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder()
	case !utf8.Valid(body):
		dec = simplifiedchinese.GB18030.NewDecoder()
	}
	if dec != nil {
		text, err := dec.Bytes(body)
		if err != nil || bytes.ContainsRune(text, utf8.RuneError) {
			return nil, heartlink.Errorf(heartlink.EInvalid, "the list is not text in UTF-8, GB18030/GBK or UTF-16: save it as \"CSV UTF-8\" and send it again")
		}
		body = text
	}
	if bytes.ContainsRune(body, utf8.RuneError) {
		return nil, heartlink.Errorf(heartlink.EInvalid, "the list holds U+FFFD, the mark of text that was garbled before it was saved: fix the names in it and send it again")
	}
	return body, nil
}

// importField names the column of a list that a trip request's field
// comes from.
func importField(field string) string {
	switch field {
	case "riders[0].name":
		return "name"
	case "riders[0].phone":
		return "phone"
	case "pickup.lat", "pickup.lng", "pickup.address":
		return strings.Replace(field, ".", "_", 1)
	case "dropoff", "dropoff.address":
		return "exam_site"
	}
	return field
}

func placeAddress(p *fleet.Place) string {
	if p.Address != "" {
		return p.Name + ", " + p.Address
	}
	return p.Name
}

// beijing is the zone of times written without one.
var beijing = time.FixedZone("CST", 8*3600)

func parseWhen(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.ParseInLocation("2006-01-02 15:04", s, beijing)
}
