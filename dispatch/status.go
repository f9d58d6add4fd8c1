package dispatch

// Status is where a trip is in its life.
type Status string

const (
	Queued     Status = "queued"     // waiting in the assignment queue
	Offered    Status = "offered"    // offered to one or more drivers
	Assigned   Status = "assigned"   // one driver accepted it
	Arrived    Status = "arrived"    // the driver is at the pickup
	PickedUp   Status = "picked_up"  // riders on board
	Completed  Status = "completed"  // riders dropped off
	Cancelled  Status = "cancelled"  // called off by its requester or a coordinator
	Unassigned Status = "unassigned" // nobody took it in time: needs a coordinator
	NoShow     Status = "no_show"    // the driver was there; the rider never came
)

// Statuses lists every status, in life order.
var Statuses = []Status{Queued, Offered, Assigned, Arrived, PickedUp, Completed, Cancelled, Unassigned, NoShow}

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	for _, v := range Statuses {
		if s == v {
			return true
		}
	}
	return false
}

// Open reports whether a trip in status s may still be taken by a driver.
func (s Status) Open() bool { return s == Queued || s == Offered || s == Unassigned }

// Active reports whether a driver is carrying out the trip.
func (s Status) Active() bool { return s == Assigned || s == Arrived || s == PickedUp }

// Ended reports whether s is final.
func (s Status) Ended() bool { return s == Completed || s == Cancelled || s == NoShow }

// Step is progress a driver reports on an assigned trip.
type Step string

const (
	StepArrived   Step = "arrived"
	StepPickedUp  Step = "picked_up"
	StepCompleted Step = "completed"
	// StepNoShow: the driver is at the pick-up and the rider has not come,
	// NoShowWait after the planned time.
	StepNoShow Step = "no_show"
)

// Action names a change of a trip in its audit trail.
type Action string

const (
	ActRequested  Action = "requested"
	ActOffered    Action = "offered"
	ActAccepted   Action = "accepted"
	ActClaimed    Action = "claimed"
	ActAssigned   Action = "assigned" // by a coordinator, by hand
	ActDeclined   Action = "declined"
	ActExpired    Action = "expired"
	ActRequeued   Action = "requeued"
	ActUnassigned Action = "unassigned"
	ActReleased   Action = "released"
	ActArrived    Action = "arrived"
	ActPickedUp   Action = "picked_up"
	ActCompleted  Action = "completed"
	ActCancelled  Action = "cancelled"
	// ActRetimed: the trip's planned pick-up moved, as its driver's route
	// took another rider.
	ActRetimed Action = "retimed"
	// ActCheckedIn: staff at the drop-off's gate (an exam site's) saw the
	// riders arrive; a trip still picked_up is completed by it.
	ActCheckedIn Action = "checked_in"
	// ActRescued: the trip was taken back from a driver who went silent or
	// could no longer make it in time, and dispatched again.
	ActRescued Action = "rescued"
	ActNoShow  Action = "no_show"
	// ActReassigned: a coordinator moved the trip from the driver who held
	// it to another; ActTakenBack: a coordinator took it back from its
	// driver and put it back in the queue.
	ActReassigned Action = "reassigned"
	ActTakenBack  Action = "taken_back"
	// ActPINRefused: the driver gave a wrong handover PIN; the trip did
	// not change.
	ActPINRefused Action = "pin_refused"
	// ActWithdrawn: a coordinator deactivated the driver the trip was
	// offered to; the offer was taken back.
	ActWithdrawn Action = "withdrawn"
	// ActShared: a guardian link to the trip was made; ActUnshared: every
	// link to it was revoked (or one, as the entry says). The trip did not
	// change.
	ActShared   Action = "shared"
	ActUnshared Action = "unshared"
	// ActSOS: the trip's driver raised an emergency (SOS); ActSOSResolved:
	// a coordinator resolved it. The trip did not change.
	ActSOS         Action = "sos"
	ActSOSResolved Action = "sos_resolved"
	// ActExported: a coordinator exported a rider's data at the rider's
	// request; ActErased: erased it (the trip's riders then lack it).
	ActExported Action = "exported"
	ActErased   Action = "erased"
)

// Transition is one allowed change of status: the statuses it may start
// from, the status it ends in and what it does to the driver's hold.
type Transition struct {
	Action Action
	From   []Status
	To     Status
	// ByDriver: only the trip's assigned driver may make it.
	ByDriver bool
	// Gate: made at the drop-off's gate, by a coordinator or by any
	// requester's staff there who proved the rider's PIN (see CheckIn).
	Gate bool
	// Frees: the assigned driver's commitment is released.
	Frees bool
	// Requeue: the trip goes back to the assignment queue, deadline intact.
	Requeue bool
}

// Allowed reports whether the transition may start from s.
func (t Transition) Allowed(s Status) bool {
	for _, f := range t.From {
		if f == s {
			return true
		}
	}
	return false
}

// The transitions that are not offers or acceptances. Offers, acceptances,
// declines and expiries are worked by the store's own atomic steps, checked
// against the same statuses.
var (
	TArrived   = Transition{Action: ActArrived, From: []Status{Assigned}, To: Arrived, ByDriver: true}
	TPickedUp  = Transition{Action: ActPickedUp, From: []Status{Arrived}, To: PickedUp, ByDriver: true}
	TCompleted = Transition{Action: ActCompleted, From: []Status{PickedUp}, To: Completed, ByDriver: true}
	// Staff at the gate check the riders in: the drop-off is confirmed.
	TCheckedIn = Transition{Action: ActCompleted, From: []Status{PickedUp}, To: Completed, Gate: true}
	// The rider never came: recorded, and the seat is free for others.
	TNoShow = Transition{Action: ActNoShow, From: []Status{Arrived}, To: NoShow, ByDriver: true, Frees: true}
	// A driver may drop out until the riders are on board.
	TReleased  = Transition{Action: ActReleased, From: []Status{Assigned, Arrived}, To: Queued, ByDriver: true, Frees: true, Requeue: true}
	TCancelled = Transition{Action: ActCancelled, From: []Status{Queued, Offered, Unassigned, Assigned, Arrived}, To: Cancelled, Frees: true}
	// The service takes a trip at risk back from its driver, deadline intact.
	TRescued = Transition{Action: ActRescued, From: []Status{Assigned}, To: Queued, Frees: true, Requeue: true}
	// A coordinator puts an unassigned trip back in the queue with a fresh search.
	TRequeued = Transition{Action: ActRequeued, From: []Status{Unassigned}, To: Queued, Requeue: true}
	// A coordinator takes a trip back from its driver before the riders
	// board; it is searched again, without them.
	TTakenBack = Transition{Action: ActTakenBack, From: []Status{Assigned, Arrived}, To: Queued, Frees: true, Requeue: true}
)

// Reassignable lists the statuses from which a coordinator may move a trip
// from its driver to another: held, and nobody aboard yet.
var Reassignable = []Status{Assigned, Arrived}

// StepTransition returns the transition a progress step makes, or false for
// an unknown step.
func StepTransition(s Step) (Transition, bool) {
	switch s {
	case StepArrived:
		return TArrived, true
	case StepPickedUp:
		return TPickedUp, true
	case StepCompleted:
		return TCompleted, true
	case StepNoShow:
		return TNoShow, true
	}
	return Transition{}, false
}

// Claimable lists the statuses from which a driver may take a trip.
var Claimable = []Status{Queued, Offered, Unassigned}
