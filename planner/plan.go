package planner

// StopKind says whether a student gets in or out.
type StopKind int

const (
	Pickup StopKind = iota
	Dropoff
)

func (k StopKind) String() string {
	if k == Dropoff {
		return "dropoff"
	}
	return "pickup"
}

// Stop is one student getting in at home or out at the site. Time is when
// boarding or alighting begins; the car can always be there by then.
type Stop struct {
	Kind    StopKind
	Student StudentID
	Site    SiteID // the student's site; set on drop-offs
	Time    Seconds
}

// Route is one car's morning, from leaving home to its last drop-off.
type Route struct {
	Car    CarID
	Start  Seconds // when the car leaves home
	Stops  []Stop
	Meters int // road distance, home to last stop
}

// Plan is the morning: one Route per car that drives (idle cars have none),
// in the order of Problem.Cars, and the students no car can take in time.
type Plan struct {
	Routes   []Route
	Unserved []StudentID // in the order of Problem.Students
	// MarginWaived lists, by ID, the students planned to arrive after
	// ArriveBy - Options.Margin (but by ArriveBy): those no car could
	// bring earlier, alone or pooled, without leaving someone at home.
	// See Options.StrictMargin.
	MarginWaived []StudentID
	Meters       int // total over all routes
	Stats        Stats
}

// Stats describes how the search went, for logs and benchmarks.
type Stats struct {
	Iterations int // over all workers
	Workers    int
	BestWorker int
}
