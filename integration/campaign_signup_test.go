package integration

import (
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCampaignSignupRush opens a campaign's window and lets 30 drivers rush
// a shift of 10 cars at once: exactly 10 are confirmed, 20 wait in order,
// signing up again changes nothing, and a withdrawal lets the first waiting
// driver in, who is told live.
func TestCampaignSignupRush(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b backend) {
		srv := liveServer(t, b)
		f := newFixture(t, srv)
		w := openWindow()
		const cars, rush = 10, 30
		c := createCampaign(t, f.admin, newCampaignDraft(w, shiftIn(2, cars), shiftIn(3, 2)))
		shift := c.Shifts[0].ID

		// The answer to the create and a later GET: window open, closing
		// at the close time, nobody signed up yet.
		require.NotNil(t, c.Window, "the 201 holds the window")
		assert.True(t, c.Window.Open, "a window that opened at %s and closes at %s is open", w.openAt, w.closeAt)
		got := getCampaign(t, f.admin, c.ID)
		require.True(t, got.Window.Open, "GET: the window that opened at %s is open: %+v", w.openAt, got.Window)
		sameInstant(t, w.nextEnd, got.Window.NextClose, "window.next_close")
		sameInstant(t, w.nextOpen, got.Window.NextOpen, "window.next_open")
		for _, s := range got.Shifts {
			assert.Equal(t, 0, s.Confirmed, "shift %s of a new campaign", s.ID)
			assert.Equal(t, 0, s.Waiting, "shift %s of a new campaign", s.ID)
		}

		drivers := make([]*driver, rush)
		for i := range drivers {
			drivers[i] = f.addDriver(north(home, float64(i%5)))
		}

		// The rush: every driver signs up at the same moment.
		type answer struct {
			resp *response
			err  error
		}
		answers := make([]answer, rush)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i, d := range drivers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				r, err := d.send(http.MethodPost, signupPath(c.ID, shift), nil)
				answers[i] = answer{r, err}
			}()
		}
		close(start)
		wg.Wait()

		status := make([]signupBody, rush)
		var confirmed []int
		waitingAt := map[int]int{} // position -> driver index
		for i, a := range answers {
			require.NoError(t, a.err, "driver %d's sign-up", i)
			a.resp.must(t, http.StatusCreated, &status[i])
			s := status[i]
			require.Equal(t, c.ID, s.CampaignID, "%s", a.resp)
			require.Equal(t, shift, s.ShiftID, "%s", a.resp)
			switch s.Status {
			case "confirmed":
				assert.Zero(t, s.Position, "a confirmed driver has no waiting position: %s", a.resp)
				confirmed = append(confirmed, i)
			case "waiting":
				if prev, dup := waitingAt[s.Position]; dup {
					t.Errorf("position %d given to drivers %d and %d", s.Position, prev, i)
				}
				waitingAt[s.Position] = i
			default:
				t.Errorf("%s: status %q; want confirmed or waiting", a.resp, s.Status)
			}
		}
		require.Len(t, confirmed, cars, "confirmed drivers of a shift of %d cars rushed by %d", cars, rush)
		require.Len(t, waitingAt, rush-cars, "drivers waiting")
		for p := 1; p <= rush-cars; p++ {
			require.Contains(t, waitingAt, p, "waiting positions must be 1..%d, each once: %v", rush-cars, waitingAt)
		}
		got = getCampaign(t, drivers[0].client, c.ID)
		conf, wait := got.fill(t, shift)
		require.Equal(t, cars, conf, "GET: confirmed")
		require.Equal(t, rush-cars, wait, "GET: waiting")
		conf, wait = got.fill(t, c.Shifts[1].ID)
		assert.Equal(t, [2]int{0, 0}, [2]int{conf, wait}, "the other shift is untouched")

		// Each driver's own list agrees with what they were told.
		for _, i := range []int{confirmed[0], waitingAt[1], waitingAt[rush-cars]} {
			s, ok := signupFor(t, drivers[i], c.ID, shift)
			require.True(t, ok, "driver %d's sign-ups lack the shift", i)
			assert.Equal(t, status[i], s, "driver %d: GET /drivers/me/signups", i)
		}

		// Signing up twice answers the same and changes nothing.
		for _, i := range []int{confirmed[0], waitingAt[1], waitingAt[7]} {
			again := signUp(t, drivers[i], c.ID, shift)
			assert.Equal(t, status[i], again, "driver %d signing up again", i)
		}
		got = getCampaign(t, f.admin, c.ID)
		conf, wait = got.fill(t, shift)
		require.Equal(t, [2]int{cars, rush - cars}, [2]int{conf, wait}, "confirmed, waiting after signing up twice")

		// The first waiting driver and the second hold sockets; a confirmed
		// driver withdraws.
		first, second := drivers[waitingAt[1]], drivers[waitingAt[2]]
		firstLive, secondLive := first.live(t), second.live(t)
		leaver := drivers[confirmed[len(confirmed)/2]]
		var wd map[string]any
		leaver.do(http.MethodDelete, signupPath(c.ID, shift), nil).must(t, http.StatusOK, &wd)
		assert.Equal(t, true, wd["withdrawn"], "DELETE answer: %v", wd)

		isSignup := func(fr frame) bool {
			return fr.Type == "signup" && fr.str("campaign_id") == c.ID && fr.str("shift_id") == shift
		}
		fr := firstLive.wait(frameWait, "a signup frame telling the first waiting driver they are in", isSignup)
		assert.Equal(t, "confirmed", fr.str("status"), "signup frame %s", fr)
		assert.NotEmpty(t, fr.ID, "a signup frame is an event with an id: %s", fr)

		s, ok := signupFor(t, first, c.ID, shift)
		require.True(t, ok, "the promoted driver's sign-ups lack the shift")
		assert.Equal(t, "confirmed", s.Status, "the first waiting driver, after a confirmed one withdrew: %+v", s)
		assert.Zero(t, s.Position, "%+v", s)
		s, ok = signupFor(t, second, c.ID, shift)
		require.True(t, ok, "the second waiting driver's sign-ups lack the shift")
		assert.Equal(t, signupBody{CampaignID: c.ID, ShiftID: shift, Status: "waiting", Position: 1}, s,
			"the second waiting driver moves up to first")
		_, ok = signupFor(t, leaver, c.ID, shift)
		assert.False(t, ok, "the driver who withdrew still lists the shift")

		got = getCampaign(t, f.admin, c.ID)
		conf, wait = got.fill(t, shift)
		assert.Equal(t, [2]int{cars, rush - cars - 1}, [2]int{conf, wait}, "confirmed, waiting after a withdrawal")

		// Only the promoted driver is told.
		secondLive.barrier()
		for _, fr := range secondLive.frames() {
			assert.False(t, isSignup(fr), "the second waiting driver was told they are in: %s", fr)
		}

		// A waiting driver withdrawing lets nobody in; those behind move up.
		third, last := drivers[waitingAt[3]], drivers[waitingAt[rush-cars]]
		third.do(http.MethodDelete, signupPath(c.ID, shift), nil).must(t, http.StatusOK, nil)
		s, ok = signupFor(t, last, c.ID, shift)
		require.True(t, ok, "the last waiting driver's sign-ups lack the shift")
		assert.Equal(t, signupBody{CampaignID: c.ID, ShiftID: shift, Status: "waiting", Position: rush - cars - 2}, s,
			"the last waiting driver, after the first was promoted and the third withdrew")
		got = getCampaign(t, f.admin, c.ID)
		conf, wait = got.fill(t, shift)
		assert.Equal(t, [2]int{cars, rush - cars - 2}, [2]int{conf, wait}, "confirmed, waiting after a waiting driver withdrew")
		secondLive.barrier()
		for _, fr := range secondLive.frames() {
			assert.False(t, isSignup(fr), "a waiting driver's withdrawal promoted the second waiting driver: %s", fr)
		}

		// Withdrawing again: nothing to withdraw.
		leaver.do(http.MethodDelete, signupPath(c.ID, shift), nil).fails(t, http.StatusNotFound, "not_found")
		// The withdrawn driver may sign up again, at the end of the queue.
		back := signUp(t, leaver, c.ID, shift)
		assert.Equal(t, signupBody{CampaignID: c.ID, ShiftID: shift, Status: "waiting", Position: rush - cars - 1}, back,
			"a driver signing up again after withdrawing goes to the end of the waiting list")

		// The campaign is listed.
		var list struct {
			Campaigns []campaignBody `json:"campaigns"`
		}
		f.admin.get("/api/v1/campaigns").must(t, http.StatusOK, &list)
		assert.True(t, slices.ContainsFunc(list.Campaigns, func(x campaignBody) bool { return x.ID == c.ID }),
			"GET /api/v1/campaigns lacks %s", c.ID)
	})
}

// TestCampaignTwoInstances rushes one shift through two server processes on
// one Redis: no instance over-fills it, and a place freed through one
// instance reaches the promoted driver's socket on the other. Real Redis
// only: each embedded store lives inside its own process.
func TestCampaignTwoInstances(t *testing.T) {
	t.Parallel()
	b := realRedis(t)
	a, bb := liveServer(t, b), liveServer(t, b)
	f := newFixture(t, a)
	const cars, rush = 8, 24
	c := createCampaign(t, f.admin, newCampaignDraft(openWindow(), shiftIn(2, cars)))
	shift := c.Shifts[0].ID
	onB := getCampaign(t, f.admin.at(bb), c.ID)
	require.True(t, onB.Window.Open, "B sees the campaign created on A, open: %+v", onB.Window)

	drivers := make([]*driver, rush)
	for i := range drivers {
		drivers[i] = f.addDriver(home)
		if i%2 == 1 {
			drivers[i] = drivers[i].on(bb)
		}
	}
	answers := make([]*response, rush)
	errs := make([]error, rush)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, d := range drivers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			answers[i], errs[i] = d.send(http.MethodPost, signupPath(c.ID, shift), nil)
		}()
	}
	close(start)
	wg.Wait()
	var confirmed []int
	waitingAt := map[int]int{}
	for i, r := range answers {
		require.NoError(t, errs[i])
		var s signupBody
		r.must(t, http.StatusCreated, &s)
		switch s.Status {
		case "confirmed":
			confirmed = append(confirmed, i)
		case "waiting":
			_, dup := waitingAt[s.Position]
			assert.False(t, dup, "position %d given twice", s.Position)
			waitingAt[s.Position] = i
		default:
			t.Errorf("%s: status %q", r, s.Status)
		}
	}
	require.Len(t, confirmed, cars, "confirmed across two instances")
	for p := 1; p <= rush-cars; p++ {
		require.Contains(t, waitingAt, p, "waiting positions 1..%d: %v", rush-cars, waitingAt)
	}

	// The first waiting driver listens on B; a confirmed driver withdraws on A.
	first := drivers[waitingAt[1]].on(bb)
	live := first.live(t)
	leaver := drivers[confirmed[0]].on(a)
	leaver.do(http.MethodDelete, signupPath(c.ID, shift), nil).must(t, http.StatusOK, nil)
	fr := live.wait(frameWait, "the signup frame on the other instance", func(fr frame) bool {
		return fr.Type == "signup" && fr.str("campaign_id") == c.ID && fr.str("shift_id") == shift
	})
	assert.Equal(t, "confirmed", fr.str("status"), "%s", fr)
	s, ok := signupFor(t, first.on(a), c.ID, shift)
	require.True(t, ok)
	assert.Equal(t, "confirmed", s.Status)
	for _, srv := range []*server{a, bb} {
		conf, wait := getCampaign(t, f.admin.at(srv), c.ID).fill(t, shift)
		assert.Equal(t, [2]int{cars, rush - cars - 1}, [2]int{conf, wait}, "fill on %s", srv.URL)
	}
}
