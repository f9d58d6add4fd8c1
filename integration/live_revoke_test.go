package integration

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rotate gives the account at path ("/api/v1/drivers/ID") a new token, as
// a coordinator does for a lost phone, and returns it.
func rotate(tb testing.TB, by *client, path string) string {
	tb.Helper()
	var body struct{ Token string }
	by.post(path+"/token", nil).must(tb, http.StatusCreated, &body)
	require.NotEmpty(tb, body.Token, "POST %s/token: a new token", path)
	return body.Token
}

// ticketOf asks for a one-time websocket ticket with c's token.
func ticketOf(tb testing.TB, c *client) string {
	tb.Helper()
	var body struct{ Ticket string }
	c.post("/api/v1/realtime/tickets", nil).must(tb, http.StatusCreated, &body)
	require.NotEmpty(tb, body.Ticket)
	return body.Ticket
}

// requireRevoked waits for the server to close the socket because its
// token was rotated, saying so.
func requireRevoked(tb testing.TB, c *liveConn) {
	tb.Helper()
	ce := c.requireClosedWith(frameWait, 4401)
	assert.Contains(tb, ce.Text, "token revoked", "%s: the close reason says why", c.who)
}

// TestLiveRevokedToken rotates the tokens of a driver and a school whose
// sockets are open (a lost phone): those sockets are closed with 4401
// "token revoked", a ticket asked for with the old token no longer opens a
// socket, and the new token opens one that keeps working.
func TestLiveRevokedToken(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		srv := liveServer(t, b)
		f := newFixture(t, srv)
		drv := f.addDriver(home)
		drv.online(home)
		school := f.addRequester("school")

		lost := drv.live(t)
		lostTicket := ticketOf(t, drv.client)
		schoolSock := school.live(t)
		other := f.addDriver(home).live(t) // another driver's socket stays open

		fresh := &driver{client: f.client(rotate(t, f.admin, "/api/v1/drivers/"+drv.ID)), ID: drv.ID}
		requireRevoked(t, lost)
		refused(t, srv.URL, "/ws/driver", "", url.Values{"ticket": {lostTicket}}, nil, http.StatusUnauthorized, "unauthorized")
		refused(t, srv.URL, "/ws/driver", drv.token, nil, nil, http.StatusUnauthorized, "unauthorized")

		now := fresh.live(t)
		now.ack("presence", map[string]any{"status": "online", "location": home})
		upgrades(t, srv.URL, "/ws/driver", "", url.Values{"ticket": {ticketOf(t, fresh.client)}}, nil)

		// A school rotates its own token: the same holds for requesters.
		rotate(t, school.client, "/api/v1/requesters/"+school.ID)
		requireRevoked(t, schoolSock)

		other.barrier()
		assert.True(t, other.isOpen(), "another driver's socket must stay open")
		now.barrier()
		assert.True(t, now.isOpen(), "the socket opened with the new token must stay open")
	})
}

// TestLiveRevokedCoordinatorToken rotates a coordinator's token (a
// leaked one) while their board is open: the board closes with 4401, the
// old token is refused, and the first coordinator's board stays open.
func TestLiveRevokedCoordinatorToken(t *testing.T) {
	srv := liveServer(t, embedded())
	f := newFixture(t, srv)
	var c struct{ ID, Token string }
	f.admin.post("/api/v1/coordinators", map[string]string{"name": "Night shift"}).must(t, http.StatusCreated, &c)
	leaked := openLive(t, "board of "+c.ID, srv.URL, "/ws/board", c.Token, nil)
	leaked.wait(frameWait, "the snapshot", func(frame) bool { return true })
	admins := f.board()

	fresh := rotate(t, f.admin, "/api/v1/coordinators/"+c.ID)
	requireRevoked(t, leaked)
	f.client(c.Token).get("/api/v1/drivers").fails(t, http.StatusUnauthorized, "unauthorized")
	f.client(fresh).get("/api/v1/drivers").must(t, http.StatusOK, nil)
	upgrades(t, srv.URL, "/ws/board", fresh, nil, nil)
	// Only coordinators rotate coordinators' tokens.
	drv := f.addDriver(home)
	drv.post("/api/v1/coordinators/"+c.ID+"/token", nil).fails(t, http.StatusForbidden, "forbidden")
	assert.True(t, admins.isOpen(), "another coordinator's board stays open")
}

// TestLiveRevokedTokenTwoInstances rotates a driver's token on instance A
// while the driver's phone holds a socket on B: B closes it, and a socket
// on B opened with the new token stays open. Real Redis only.
func TestLiveRevokedTokenTwoInstances(t *testing.T) {
	t.Parallel()
	b := realRedis(t)
	a, bb := liveServer(t, b), liveServer(t, b)
	f := newFixture(t, a)
	drv := f.addDriver(home)
	lost := drv.on(bb).live(t)
	lostTicket := ticketOf(t, drv.on(bb).client)

	tok := rotate(t, f.admin, "/api/v1/drivers/"+drv.ID)
	requireRevoked(t, lost)
	refused(t, bb.URL, "/ws/driver", "", url.Values{"ticket": {lostTicket}}, nil, http.StatusUnauthorized, "unauthorized")
	now := (&driver{client: f.client(tok), ID: drv.ID}).on(bb).live(t)
	now.barrier()
	assert.True(t, now.isOpen(), "the socket opened with the new token must stay open")
	assert.False(t, strings.Contains(bb.Log(), tok), "the new token must not reach the log")
}
