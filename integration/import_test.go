package integration

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const importHeader = "name,phone,pickup_lat,pickup_lng,pickup_address,exam_site,arrive_by\n"

// TestImportFloodOfBadRows sends a school's import a megabyte of one-field
// lines: the answer is a small 422 that lists the first problems and
// counts them, not one entry per line, and bad rows count against the
// 2,000-row cap like good ones.
func TestImportFloodOfBadRows(t *testing.T) {
	srv := startServer(t, embedded())
	f := newFixture(t, srv)
	school := f.addRequester("school")
	body := importHeader + strings.Repeat("x\n", (1<<20-len(importHeader))/2)

	r := school.post("/api/v1/trips/import", raw(body))
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%.300s", r.Body)
	t.Logf("a %d-byte list of bad rows is answered by %d bytes", len(body), len(r.Body))
	assert.Less(t, len(r.Body), 32<<10, "the refusal of a 1 MiB list must stay small")
	var refused struct {
		Error    apiError
		Rows     []struct{ Row int }
		Problems int
	}
	require.NoError(t, json.Unmarshal(r.Body, &refused))
	assert.Equal(t, "invalid", refused.Error.Code)
	assert.Len(t, refused.Rows, 100, "the first 100 problems are listed")
	assert.Equal(t, 1, refused.Rows[0].Row)
	assert.Equal(t, 2001, refused.Problems, "2,000 bad rows, then the row past the cap; the rest is not read")
	assert.Contains(t, refused.Error.Message, "2001 rows are wrong")

	// A list just under the cap with one bad row names it, and only it.
	few := importHeader + "x\n"
	r = school.post("/api/v1/trips/import", raw(few))
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r.Body)
	require.NoError(t, json.Unmarshal(r.Body, &refused))
	assert.Equal(t, 1, refused.Problems)
	assert.Len(t, refused.Rows, 1)
}
