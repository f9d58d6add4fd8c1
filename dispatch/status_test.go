package dispatch

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestTransitionsAllowed(t *testing.T) {
	tests := []struct {
		name string
		tr   Transition
		from Status
		want bool
	}{
		{"arrive when assigned", TArrived, Assigned, true},
		{"arrive before assigned", TArrived, Offered, false},
		{"pick up after arriving", TPickedUp, Arrived, true},
		{"pick up without arriving", TPickedUp, Assigned, false},
		{"complete after pick-up", TCompleted, PickedUp, true},
		{"complete twice", TCompleted, Completed, false},
		{"release when assigned", TReleased, Assigned, true},
		{"release at the pickup", TReleased, Arrived, true},
		{"release with riders on board", TReleased, PickedUp, false},
		{"cancel queued", TCancelled, Queued, true},
		{"cancel offered", TCancelled, Offered, true},
		{"cancel assigned", TCancelled, Assigned, true},
		{"cancel with riders on board", TCancelled, PickedUp, false},
		{"cancel completed", TCancelled, Completed, false},
		{"cancel twice", TCancelled, Cancelled, false},
		{"requeue unassigned", TRequeued, Unassigned, true},
		{"requeue assigned", TRequeued, Assigned, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.tr.Allowed(tt.from), "%s.Allowed(%s)", tt.tr.Action, tt.from)
		})
	}
}

func TestStepTransition(t *testing.T) {
	for step, want := range map[Step]Status{StepArrived: Arrived, StepPickedUp: PickedUp, StepCompleted: Completed} {
		tr, ok := StepTransition(step)
		assert.True(t, ok, "StepTransition(%q)", step)
		assert.Equal(t, want, tr.To, "StepTransition(%q).To", step)
		assert.True(t, tr.ByDriver, "only the driver reports %q", step)
	}
	_, ok := StepTransition("teleported")
	assert.False(t, ok, "unknown step accepted")
}

func TestStatusClasses(t *testing.T) {
	for _, s := range Statuses {
		classes := 0
		for _, c := range []bool{s.Open(), s.Active(), s.Ended()} {
			if c {
				classes++
			}
		}
		assert.Equal(t, 1, classes, "status %q must be exactly one of open, active, ended", s)
	}
	assert.False(t, Status("lost").Valid())
}
