package integration

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestCampaignFillReachesDrivers: while others sign up, a connected
// driver's app sees the shift fill up live, at most once a second per
// shift, and the last figure it gets is the true fill.
func TestCampaignFillReachesDrivers(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b backend) {
		srv := liveServer(t, b)
		f := newFixture(t, srv)
		c := createCampaign(t, f.admin, newCampaignDraft(openWindow(), shiftIn(2, 3)))
		shift := c.Shifts[0].ID
		watcher := f.addDriver(north(home, 1))
		watching := watcher.live(t)
		start := watching.mark()

		const signups = 5
		for i := range signups {
			signUp(t, f.addDriver(north(home, float64(i))), c.ID, shift)
		}
		isFill := func(fr frame) bool { return fr.Type == "shift_fill" && fr.str("shift_id") == shift }
		final := func(fr frame) bool {
			n, _ := fr.fields()["confirmed"].(float64)
			w, _ := fr.fields()["waiting"].(float64)
			return isFill(fr) && n == 3 && w == signups-3
		}
		watching.waitFrom(start, 5*time.Second, "the shift's final fill (3 confirmed, 2 waiting)", final)
		n := 0
		for _, fr := range watching.frames()[start:] {
			if isFill(fr) {
				n++
			}
		}
		assert.LessOrEqual(t, n, 3, "five sign-ups within a second or two are coalesced, not five frames")
	})
}
