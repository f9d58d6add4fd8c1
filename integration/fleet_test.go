package integration

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
)

// fixture is a server and its coordinator, the fleet office that registers
// everyone else.
type fixture struct {
	tb    testing.TB
	srv   *server
	admin *client
}

func newFixture(tb testing.TB, srv *server) *fixture {
	return &fixture{tb: tb, srv: srv, admin: srv.client(adminToken).in(tb)}
}

// in returns the fixture failing tb, for use inside a subtest: a subtest
// must not fail its parent.
func (f *fixture) in(tb testing.TB) *fixture {
	return &fixture{tb: tb, srv: f.srv, admin: f.admin.in(tb)}
}

func (f *fixture) client(token string) *client { return f.srv.client(token).in(f.tb) }

// driver is a registered volunteer and a client holding their token.
type driver struct {
	*client
	ID string
}

// requester is a registered school, community or care station.
type requester struct {
	*client
	ID string
}

// runID keeps names unique across tests and runs on a shared Redis.
var (
	runID = func() string {
		var b [3]byte
		rand.Read(b[:])
		return hex.EncodeToString(b[:])
	}()
	serial atomic.Int64
)

// unique returns a number no other call in this test binary returns.
func unique() int64 { return serial.Add(1) }

// verifiedDriver is a 4-seat car whose driver may carry minors, living at home.
func verifiedDriver(home point) driverRegistration {
	n := unique()
	return driverRegistration{
		Name:           fmt.Sprintf("Volunteer %s-%d", runID, n),
		Phone:          fmt.Sprintf("+86 138 %04d %04d", n%10000, n/10000%10000),
		Vehicle:        vehicle{Plate: fmt.Sprintf("赣L%05d", n%100000), Seats: 4},
		VerifiedMinors: true,
		Home:           home,
	}
}

// addDriver registers a verified 4-seat driver living at home.
func (f *fixture) addDriver(home point) *driver {
	f.tb.Helper()
	return f.register(verifiedDriver(home))
}

// register registers the driver as given.
func (f *fixture) register(reg driverRegistration) *driver {
	f.tb.Helper()
	var a account
	f.admin.post("/api/v1/drivers", reg).must(f.tb, http.StatusCreated, &a)
	if a.ID == "" || a.Token == "" {
		f.tb.Fatalf("POST /api/v1/drivers: want an id and a token, got %+v", a)
	}
	return &driver{client: f.client(a.Token), ID: a.ID}
}

// addRequester registers a requester of the kind (school, community, care_station).
func (f *fixture) addRequester(kind string) *requester {
	f.tb.Helper()
	n := unique()
	var a account
	f.admin.post("/api/v1/requesters", requesterRegistration{
		Name: fmt.Sprintf("Yingtan %s %s-%d", kind, runID, n), Kind: kind,
		Phone: fmt.Sprintf("0701-%07d", n),
	}).must(f.tb, http.StatusCreated, &a)
	if a.ID == "" || a.Token == "" {
		f.tb.Fatalf("POST /api/v1/requesters: want an id and a token, got %+v", a)
	}
	return &requester{client: f.client(a.Token), ID: a.ID}
}

// on returns the same driver talking to another server, for tests with
// several processes or a restart.
func (d *driver) on(s *server) *driver { return &driver{client: d.at(s), ID: d.ID} }

func (r *requester) on(s *server) *requester { return &requester{client: r.at(s), ID: r.ID} }

// in returns the driver failing tb, for use inside a subtest.
func (d *driver) in(tb testing.TB) *driver { return &driver{client: d.client.in(tb), ID: d.ID} }

func (r *requester) in(tb testing.TB) *requester {
	return &requester{client: r.client.in(tb), ID: r.ID}
}

// online puts the driver online at p.
func (d *driver) online(p point) {
	d.tb.Helper()
	d.post("/api/v1/drivers/me/presence", presence{Status: "online", Location: &p}).must(d.tb, http.StatusOK, nil)
}
