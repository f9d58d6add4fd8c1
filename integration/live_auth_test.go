package integration

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// refused dials and requires the upgrade to be refused with status and an
// error body with code, as the HTTP API answers.
func refused(tb testing.TB, base, path, token string, q url.Values, h http.Header, status int, code string) {
	tb.Helper()
	ws, resp, err := dialLive(dialer, base, path, token, q, h)
	if err == nil {
		ws.Close()
		tb.Fatalf("GET %s?%s: the upgrade succeeded; want %d %s", path, q.Encode(), status, code)
	}
	require.NotNil(tb, resp, "GET %s: %v", path, err)
	require.ErrorIs(tb, err, websocket.ErrBadHandshake)
	var body struct{ Error apiError }
	b := make([]byte, 1024)
	n, _ := resp.Body.Read(b)
	assert.Equal(tb, status, resp.StatusCode, "GET %s: %s", path, b[:n])
	assert.True(tb, strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json"), "GET %s: Content-Type %q", path, resp.Header.Get("Content-Type"))
	require.NoError(tb, json.Unmarshal(b[:n], &body), "GET %s: the body is not JSON: %q", path, b[:n])
	assert.Equal(tb, code, body.Error.Code, "GET %s: %s", path, b[:n])
	assert.NotEmpty(tb, body.Error.Message, "GET %s: %s", path, b[:n])
}

// upgrades dials and requires the upgrade to succeed.
func upgrades(tb testing.TB, base, path, token string, q url.Values, h http.Header) {
	tb.Helper()
	ws, resp, err := dialLive(dialer, base, path, token, q, h)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		tb.Fatalf("GET %s?%s: %v (%d); want the upgrade", path, q.Encode(), err, status)
	}
	c := startReading(tb, "client of "+path, ws, resp)
	s := c.wait(frameWait, "the snapshot", func(frame) bool { return true })
	assert.Equal(tb, "snapshot", s.Type, "%s", s)
}

// TestLiveAuth checks who may open which channel, and how: programs with a
// bearer header, browsers with a one-time ticket from an allowed origin.
func TestLiveAuth(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) { testLiveAuth(t, b) })
}

func testLiveAuth(t *testing.T, b backend) {
	srv := liveServer(t, b, "-ws-origins", "https://board.example")
	f := newFixture(t, srv)
	school := f.addRequester("school")
	drv := f.addDriver(home)
	base := srv.URL

	ticket := func(t *testing.T, c *client) string {
		var body struct {
			Ticket    string    `json:"ticket"`
			ExpiresAt time.Time `json:"expires_at"`
		}
		c.in(t).post("/api/v1/realtime/tickets", nil).must(t, http.StatusCreated, &body)
		require.True(t, strings.HasPrefix(body.Ticket, "tk_"), "a ticket: %+v", body)
		assert.WithinDuration(t, time.Now().Add(30*time.Second), body.ExpiresAt, 10*time.Second)
		return body.Ticket
	}

	t.Run("no token", func(t *testing.T) {
		for _, p := range []string{"/ws/driver", "/ws/board", "/ws/requester"} {
			refused(t, base, p, "", nil, nil, http.StatusUnauthorized, "unauthorized")
		}
		refused(t, base, "/ws/driver", "hl_not_a_token_of_anyone_0000000", nil, nil, http.StatusUnauthorized, "unauthorized")
	})
	t.Run("wrong role", func(t *testing.T) {
		refused(t, base, "/ws/board", drv.token, nil, nil, http.StatusForbidden, "forbidden")
		refused(t, base, "/ws/requester", drv.token, nil, nil, http.StatusForbidden, "forbidden")
		refused(t, base, "/ws/driver", school.token, nil, nil, http.StatusForbidden, "forbidden")
		refused(t, base, "/ws/driver", adminToken, nil, nil, http.StatusForbidden, "forbidden")
	})
	t.Run("each role on its own channel", func(t *testing.T) {
		upgrades(t, base, "/ws/driver", drv.token, nil, nil)
		upgrades(t, base, "/ws/board", adminToken, nil, nil)
		upgrades(t, base, "/ws/requester", school.token, nil, nil)
	})
	t.Run("a ticket works once", func(t *testing.T) {
		tk := ticket(t, drv.client)
		upgrades(t, base, "/ws/driver", "", url.Values{"ticket": {tk}}, nil)
		refused(t, base, "/ws/driver", "", url.Values{"ticket": {tk}}, nil, http.StatusUnauthorized, "unauthorized")
	})
	t.Run("a ticket keeps its role", func(t *testing.T) {
		tk := ticket(t, drv.client)
		refused(t, base, "/ws/board", "", url.Values{"ticket": {tk}}, nil, http.StatusForbidden, "forbidden")
		boardTicket := ticket(t, f.admin)
		upgrades(t, base, "/ws/board", "", url.Values{"ticket": {boardTicket}}, nil)
	})
	t.Run("a made-up ticket", func(t *testing.T) {
		refused(t, base, "/ws/driver", "", url.Values{"ticket": {"tk_made_up_0000000000000000"}}, nil, http.StatusUnauthorized, "unauthorized")
	})
	t.Run("a token in the URL is refused", func(t *testing.T) {
		refused(t, base, "/ws/driver", "", url.Values{"token": {drv.token}}, nil, http.StatusUnauthorized, "unauthorized")
		refused(t, base, "/ws/driver", "", url.Values{"access_token": {drv.token}}, nil, http.StatusUnauthorized, "unauthorized")
	})
	t.Run("a malformed last_event_id", func(t *testing.T) {
		for _, id := range []string{"yesterday", "17-", "-3", "1.5-0"} {
			refused(t, base, "/ws/driver", drv.token, url.Values{"last_event_id": {id}}, nil, http.StatusUnprocessableEntity, "invalid")
		}
	})
	t.Run("origins", func(t *testing.T) {
		u, err := url.Parse(base)
		require.NoError(t, err)
		origin := func(o string) http.Header { return http.Header{"Origin": {o}} }
		refused(t, base, "/ws/driver", drv.token, nil, origin("https://evil.example"), http.StatusForbidden, "forbidden")
		refused(t, base, "/ws/board", adminToken, nil, origin("https://board.example.evil.example"), http.StatusForbidden, "forbidden")
		refused(t, base, "/ws/board", adminToken, nil, origin("http://"+u.Hostname()+":1"), http.StatusForbidden, "forbidden")
		upgrades(t, base, "/ws/driver", drv.token, nil, origin("http://"+u.Host))
		upgrades(t, base, "/ws/board", adminToken, nil, origin("https://board.example"))
		tk := ticket(t, f.admin)
		upgrades(t, base, "/ws/board", "", url.Values{"ticket": {tk}}, origin("https://board.example"))
	})
}
