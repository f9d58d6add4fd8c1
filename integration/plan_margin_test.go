package integration

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestPlanKeepsMargin books, besides an easy trip, one no car can bring to
// the exam site 10 minutes before its arrive_by (4.5 km out, to arrive 20
// minutes after the shift begins, when pickups begin): the contract plans
// "arrival 10 minutes before arrive_by", so the plan must leave that trip
// unserved (for ordinary dispatch) rather than route it with less margin.
func TestPlanKeepsMargin(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b backend) {
		srv := liveServer(t, b)
		f := newFixture(t, srv)
		s := newPlanScene(t, f, 1)
		site := examSite.point()
		easy := s.book(t, offset(site, 1.2, 0.4))
		far := s.bookBy(t, offset(site, -3.2, -3.1), s.start.Add(20*time.Minute))

		plan := s.plan(t)
		s.checkPlan(t, plan, s.order)
		assert.Contains(t, plan.Unserved, far.ID,
			"trip %s cannot arrive 10 minutes early: it belongs in unserved", far.ID)
		routed := false
		for _, r := range plan.Routes {
			for _, id := range r.trips() {
				routed = routed || id == easy.ID
			}
		}
		assert.True(t, routed, "the easy trip %s is routed", easy.ID)
	})
}
