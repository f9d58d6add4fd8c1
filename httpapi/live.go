package httpapi

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/dispatch"
	"github.com/heartlink/heartlink/fleet"
	"github.com/heartlink/heartlink/realtime"
	"github.com/heartlink/heartlink/safety"
)

// Feed is the stream of changes that every instance follows.
type Feed interface {
	LastChange(ctx context.Context) (string, error)
	Follow(ctx context.Context, after string, fn func([]dispatch.Change)) error
	History(ctx context.Context, after string, audiences []string, limit int) ([]dispatch.Change, bool, error)
	FollowPositions(ctx context.Context, fn func(dispatch.DriverChange)) error
	// TripsAndDrivers reads trips and drivers in one round trip, skipping
	// missing ones.
	TripsAndDrivers(ctx context.Context, tripIDs, driverIDs []string) (map[string]*dispatch.Trip, map[string]*fleet.Driver, error)
}

// Tickets are one-time credentials for opening a websocket from a browser.
// A ticket is issued under the caller's bearer token and refused once that
// token is revoked; redeeming one gives the fleet.TokenID of that token.
type Tickets interface {
	IssueTicket(ctx context.Context, by heartlink.Principal, token string) (string, time.Time, error)
	RedeemTicket(ctx context.Context, ticket string) (heartlink.Principal, string, error)
}

// Replies remembers the answer to each live request, so that a repeated
// request_id repeats the answer and never the action.
type Replies interface {
	Once(ctx context.Context, key string, do func() (answer []byte, keep bool)) ([]byte, error)
	// OnceWithin is Once for the requests whose own first step marks the
	// request as being answered (accept, decline: see inlineReplies): do
	// must act with the context it is given.
	OnceWithin(ctx context.Context, key string, do func(context.Context) (answer []byte, keep bool)) ([]byte, error)
}

// Sockets counts each account's live sockets across all instances, so
// that the cap holds however many instances a load balancer spreads one
// account over. A count lasts a lease, renewed while the socket is open.
type Sockets interface {
	OpenSocket(ctx context.Context, holder heartlink.Principal, id string, limit int, lease time.Duration) (bool, error)
	CloseSocket(ctx context.Context, holder heartlink.Principal, id string) error
	KeepSockets(ctx context.Context, open map[heartlink.Principal][]string, lease time.Duration) error
}

// Mover records a driver's position.
type Mover interface {
	Move(ctx context.Context, driverID string, p heartlink.Point) error
}

// LiveConfig is what the websocket endpoints need besides Config.
type LiveConfig struct {
	Feed    Feed
	Tickets Tickets
	Replies Replies
	Mover   Mover
	// Sockets, if set, counts sockets per account across instances;
	// without it each instance caps its own.
	Sockets Sockets
	// Origins are the browser origins allowed besides the server's own,
	// e.g. "https://board.example.org".
	Origins []string
	Conn    realtime.Options
	// LocationRate is how many location updates per second a driver may
	// send (burst twice that); zero means 1.
	LocationRate int
	// FrameRate is how many frames of any other type (bad ones included)
	// per second a socket may send (burst twice that); zero means
	// DefaultFrameRate. Beyond it a frame is answered by an error
	// rate_limited and not acted on.
	FrameRate int
	// HistoryLimit caps how many missed changes a resuming client is sent
	// before it gets a snapshot instead; zero means 1000.
	HistoryLimit int
	// BoardQueue is how many frames a board's socket may hold back before
	// it counts as slow; zero means 16384. A board takes every change of
	// the fleet: at a busy minute thousands may wait without it being slow.
	BoardQueue int
	// BoardLinger is how long a frame for a board may wait for the frames
	// after it, so that they go out in one write (realtime.Options.Linger);
	// zero means none. A board takes every change of the fleet, several
	// for each trip: written one by one they are most of the server's
	// system calls.
	BoardLinger time.Duration
	// PerAccount is how many sockets one driver or requester may hold at
	// once (coordinators ten times that); zero means DefaultPerAccount,
	// negative means no limit.
	PerAccount int
}

// DefaultFrameRate is FrameRate's default: an app answers an offer or
// changes its presence now and then, not ten times a second.
const DefaultFrameRate = 10

func (l *live) boardQueue() int {
	if l.cfg.BoardQueue > 0 {
		return l.cfg.BoardQueue
	}
	return 16384
}

// DefaultBoardLinger is the binary's default BoardLinger (-board-linger):
// none. Measured at 1,000 drivers and 100 trips/s, 5 ms cut the server's
// write calls by 40 % but added 8 ms to the board's p99 staleness (its
// budget is 20 ms) for a CPU saving lost in the noise; a fleet whose
// boards take thousands of frames a second may want it.
const DefaultBoardLinger time.Duration = 0

// system is the principal the live channels read trips as, before
// rendering each for its audience.
var system = heartlink.Principal{Role: heartlink.RoleCoordinator, ID: "system"}

// live pushes changes to the connected clients of this instance.
type live struct {
	cfg LiveConfig
	s   *Server
	hub *realtime.Hub
	log *slog.Logger
	// sessions are the sockets by account, for caps and revocation.
	sessions *sessions
	// ctx is the life of every socket: cancelled when RunLive ends, which
	// closes them all with "going away".
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup // the sockets' goroutines

	mu      sync.Mutex // mu guards closing, and wg.Add against wg.Wait
	closing bool
}

// enter counts a new socket in, unless the channels are closing.
func (l *live) enter() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closing {
		return false
	}
	l.wg.Add(1)
	return true
}

func newLive(s *Server, cfg LiveConfig) *live {
	ctx, cancel := context.WithCancel(context.Background())
	return &live{cfg: cfg, s: s, hub: realtime.NewHub(), log: s.log, sessions: newSessions(), ctx: ctx, cancel: cancel}
}

// LiveConns is how many live sockets this instance holds.
func (s *Server) LiveConns() int {
	if s.live == nil {
		return 0
	}
	return s.live.hub.Conns()
}

// RunLive follows the change stream and the positions channel, pushing
// each change to the clients of this instance it is for, until ctx ends;
// then it closes every socket with "going away".
func (s *Server) RunLive(ctx context.Context) error {
	l := s.live
	if l == nil {
		<-ctx.Done()
		return nil
	}
	after, err := l.cfg.Feed.LastChange(ctx)
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		l.cfg.Feed.FollowPositions(ctx, l.position)
	})
	if l.cfg.Sockets != nil {
		wg.Go(func() { l.keepSockets(ctx) })
	}
	err = l.cfg.Feed.Follow(ctx, after, func(cs []dispatch.Change) { l.push(ctx, cs) })
	wg.Wait()
	l.mu.Lock()
	l.closing = true
	l.mu.Unlock()
	l.hub.CloseAll(1001, "going away")
	l.cancel()
	l.wg.Wait()
	return err
}

// topic is the hub topic of an audience: the audience itself.
func topic(audience string) string { return audience }

// push renders each change for each audience that has clients here. The
// trips that changes name are read in one round trip for the whole batch;
// changes that carry all they show (offers above all) go out before that
// read, unless a change before them in the batch waits for it on the same
// connection (see early).
func (l *live) push(ctx context.Context, cs []dispatch.Change) {
	var todo []delivery
	var ids, driverIDs []string
	for _, c := range cs {
		switch c.Kind {
		case dispatch.ChangeShiftFill:
			l.fillToDrivers(c)
		case fleet.ChangeRevoked:
			l.revoke(c)
			continue
		}
		var audiences []string
		for _, a := range c.To {
			if l.hub.Count(topic(a)) > 0 {
				audiences = append(audiences, a)
			}
		}
		if len(audiences) == 0 {
			continue
		}
		d := delivery{c: c, audiences: audiences}
		if id, driver := tripOf(c); id != "" {
			d.reads = true
			ids = append(ids, id)
			if driver != "" {
				driverIDs = append(driverIDs, driver)
			}
		}
		todo = append(todo, d)
	}
	later := early(todo)
	for _, d := range todo {
		if !d.reads && !later[d.c.ID] {
			l.publish(d, nil, nil)
		}
	}
	if len(ids) == 0 {
		return
	}
	trips, drivers, err := l.read(ctx, ids, driverIDs)
	if err != nil {
		l.log.Warn("live: read trips", "err", err)
	}
	for _, d := range todo {
		if d.reads || later[d.c.ID] {
			l.publish(d, trips, drivers)
		}
	}
}

// delivery is a change for the audiences of it that have clients here;
// reads says it is rendered from the trip it names, read first.
type delivery struct {
	c         dispatch.Change
	audiences []string
	reads     bool
}

// early says which changes that need no read must still wait for the
// batch's read: those with an audience that a change before them, which
// does need it, also goes to. A socket takes its frames in the stream's
// order (it resumes from the last id it saw), and a driver's socket hears
// both its own audience and "drivers".
func early(todo []delivery) (later map[string]bool) {
	waiting := map[string]bool{}
	var driverWaits, allDriversWait bool
	for _, d := range todo {
		hold := d.reads
		for _, a := range d.audiences {
			switch {
			case waiting[a]:
				hold = true
			case a == "drivers" && driverWaits:
				hold = true
			case strings.HasPrefix(a, "driver:") && allDriversWait:
				hold = true
			}
		}
		if !hold {
			continue
		}
		if !d.reads {
			if later == nil {
				later = map[string]bool{}
			}
			later[d.c.ID] = true
		}
		for _, a := range d.audiences {
			waiting[a] = true
			driverWaits = driverWaits || strings.HasPrefix(a, "driver:")
			allDriversWait = allDriversWait || a == "drivers"
		}
	}
	return later
}

// publish renders d for its audiences and hands the frames to their
// sockets here.
func (l *live) publish(d delivery, trips map[string]*dispatch.Trip, drivers map[string]*fleet.Driver) {
	frames := l.render(d.c, d.audiences, trips, drivers)
	for i, a := range d.audiences {
		if frames[i] != nil {
			l.hub.PublishID(topic(a), d.c.ID, frames[i])
		}
	}
}

// fillToDrivers passes a shift's fill to every connected driver, at most
// once a second per shift: in a sign-up rush thousands of changes a second
// must not each reach every driver.
func (l *live) fillToDrivers(c dispatch.Change) {
	if l.hub.Count(topic("drivers")) == 0 {
		return
	}
	var ref struct {
		CampaignID string `json:"campaign_id"`
		ShiftID    string `json:"shift_id"`
	}
	if json.Unmarshal(c.Data, &ref) != nil {
		return
	}
	if frame, err := realtime.Encode(c.Kind, "", c.Data); err == nil {
		l.hub.Coalesce(topic("drivers"), "fill:"+ref.CampaignID+"/"+ref.ShiftID, frame)
	}
}

// tripOf is the trip a change must be rendered from, if any, and the
// driver it names (the one it was made with, for a trip change; an
// assignment's is its trip's).
func tripOf(c dispatch.Change) (trip, driver string) {
	if c.Kind != dispatch.ChangeTrip && c.Kind != dispatch.ChangeAssigned {
		return "", ""
	}
	var ref struct {
		TripID   string `json:"trip_id"`
		DriverID string `json:"driver_id"`
	}
	json.Unmarshal(c.Data, &ref)
	return ref.TripID, ref.DriverID
}

// read reads the trips changes name and the drivers that their views
// name, in one round trip; a driver the changes did not name (an
// assignment's) is read after, in a second.
func (l *live) read(ctx context.Context, tripIDs, driverIDs []string) (map[string]*dispatch.Trip, map[string]*fleet.Driver, error) {
	if len(tripIDs) == 0 {
		return nil, nil, nil
	}
	trips, drivers, err := l.cfg.Feed.TripsAndDrivers(ctx, tripIDs, driverIDs)
	if err != nil {
		return nil, nil, err
	}
	var more []string
	for _, t := range trips {
		if _, ok := drivers[t.DriverID]; t.DriverID != "" && !ok {
			more = append(more, t.DriverID)
		}
	}
	if len(more) > 0 {
		_, ds, err := l.cfg.Feed.TripsAndDrivers(ctx, nil, more)
		if err != nil {
			// The trips render without their driver's name.
			l.log.Warn("live: read drivers", "err", err)
		}
		for id, d := range ds {
			drivers[id] = d
		}
	}
	return trips, drivers, nil
}

// render turns one change into a frame for each audience (nil: nothing
// for that one). Changes that name a trip are rendered from the trip as it
// is now (from trips), as each audience may see it.
func (l *live) render(c dispatch.Change, audiences []string, trips map[string]*dispatch.Trip, drivers map[string]*fleet.Driver) [][]byte {
	out := make([][]byte, len(audiences))
	switch c.Kind {
	case dispatch.ChangeTrip, dispatch.ChangeAssigned:
		id, _ := tripOf(c)
		t := trips[id]
		if t == nil {
			return out
		}
		// The trip is read as it is now; its status, version and driver are
		// those the change left, so that frames replay the trip's history
		// in order rather than repeat its present.
		var tc dispatch.TripChange
		json.Unmarshal(c.Data, &tc)
		now := l.s.cfg.Clock.Now()
		for i, a := range audiences {
			by := principalOf(a)
			acc := l.s.cfg.Policy.AccessFor(t, by, false, now)
			if acc == dispatch.NoAccess {
				// A change addressed to a driver concerns them, as a trip
				// they held (now cancelled, or released by them): they see
				// what became of it, redacted.
				acc = dispatch.Redacted
			}
			v := dispatch.ViewOf(t, acc)
			if c.Kind == dispatch.ChangeTrip {
				v.Status, v.Version, v.DriverID = tc.Status, tc.Version, tc.DriverID
			}
			if d := drivers[v.DriverID]; d != nil && acc >= dispatch.Full {
				v.Driver = &dispatch.DriverBrief{ID: d.ID, Name: d.Name, Plate: d.Vehicle.Plate, Seats: d.Vehicle.Seats}
			}
			out[i], _ = realtime.Encode(c.Kind, c.ID, v)
		}
	case dispatch.ChangeSOS:
		// The stream holds the SOS alone; the board gets it with the
		// people it names, read now, riders' and requester's phones
		// included: it goes to boards and nobody else.
		frame := l.alarm(c)
		for i, a := range audiences {
			if a == "board" {
				out[i] = frame
			}
		}
	default:
		// Offers are stored already rendered for drivers; withdrawals,
		// alerts, presence and announcements hold nothing personal; an
		// sos_resolved, which the SOS's driver gets too, holds no contact.
		frame, err := realtime.Encode(c.Kind, c.ID, c.Data)
		if err != nil {
			return out
		}
		for i := range audiences {
			out[i] = frame
		}
	}
	return out
}

// alarm renders an sos change for the board. Should the people it names
// not be read in time, the board still gets the SOS, position and driver
// id, at once: an alarm is never held back for its details.
func (l *live) alarm(c dispatch.Change) []byte {
	var sos safety.SOS
	if err := json.Unmarshal(c.Data, &sos); err != nil {
		return nil
	}
	a := safety.Alarm{SOS: sos}
	if l.s.cfg.Safety != nil {
		ctx, cancel := context.WithTimeout(l.ctx, alarmRead)
		var err error
		if a, err = l.s.cfg.Safety.Alarm(ctx, sos); err != nil {
			l.log.Warn("live: read an SOS's people", "sos", sos.ID, "err", err)
			a = safety.Alarm{SOS: sos}
		}
		cancel()
	}
	frame, _ := realtime.Encode(c.Kind, c.ID, a)
	return frame
}

// alarmRead bounds how long an SOS waits for its people to be read.
const alarmRead = 2 * time.Second

// principalOf is who an audience is, for access checks. Only the board
// reads as a coordinator; an audience that names nobody in particular
// ("drivers", or one added later) is nobody, and sees a trip redacted:
// a trip change sent to every driver must not show every driver its riders.
func principalOf(audience string) heartlink.Principal {
	kind, id, _ := strings.Cut(audience, ":")
	switch kind {
	case "driver":
		return heartlink.Principal{Role: heartlink.RoleDriver, ID: id}
	case "requester":
		return heartlink.Principal{Role: heartlink.RoleRequester, ID: id}
	case "board":
		return system
	}
	return heartlink.Principal{}
}

// position passes a driver's new position to boards, at most one per
// driver per CoalesceEvery to each.
func (l *live) position(p dispatch.DriverChange) {
	if l.hub.Count(topic("board")) == 0 {
		return
	}
	frame, err := realtime.Encode(dispatch.ChangeDriver, "", p)
	if err == nil {
		l.hub.Coalesce(topic("board"), p.DriverID, frame)
	}
}

func (s *Server) handleTicket() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.live == nil {
			s.error(w, r, heartlink.Errorf(heartlink.ENotFound, "live channels are off"))
			return
		}
		t, exp, err := s.live.cfg.Tickets.IssueTicket(r.Context(), principal(r), BearerToken(r))
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.json(w, http.StatusCreated, map[string]any{"ticket": t, "expires_at": exp})
	})
}
