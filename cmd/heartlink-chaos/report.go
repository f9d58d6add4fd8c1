package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
)

// figures are what a run reports: what it did, what it saw, and the
// violations of each invariant.
type figures struct {
	Run struct {
		Duration    string  `json:"duration"`
		Instances   int     `json:"instances"`
		Drivers     int     `json:"drivers"`
		TripsPerSec float64 `json:"trips_per_sec"`
		Seed        uint64  `json:"seed"`
	} `json:"run"`
	Trips struct {
		Requested int            `json:"requested"` // trip requests made, each with its own Idempotency-Key
		Booked    int            `json:"booked"`    // answered 201
		Replayed  int            `json:"replayed"`  // of them, answered Idempotent-Replayed: a retry got the first answer
		Refused   map[string]int `json:"refused"`   // answered otherwise, by code
		ByStatus  map[string]int `json:"by_status"` // every trip of the fleet at the end, by status
	} `json:"trips"`
	Accepts struct {
		OffersAnswered int            `json:"offers_answered"`
		Sent           int            `json:"sent"`
		Acknowledged   int            `json:"acknowledged"`
		Refused        map[string]int `json:"refused"` // by code: trip_taken, conflict, schedule_clash…
		Declines       map[string]int `json:"declines"`
	} `json:"accepts"`
	Kills struct {
		Instances int `json:"instances"`
		Redis     int `json:"redis"`
	} `json:"kills"`
	Sockets struct {
		Cut          int `json:"cut"`           // by the tool, TCP closed under the socket
		CutMidAsk    int `json:"cut_mid_ask"`   // of them, right after an accept or decline
		Dropped      int `json:"dropped"`       // every socket that ended under a driver (cuts, instance kills)
		Reconnects   int `json:"reconnects"`    // sockets opened again
		DialFailures int `json:"dial_failures"` // upgrades refused or unanswered
	} `json:"sockets"`
	Retries struct {
		HTTP            int `json:"http"`             // requests sent again (no answer, 503, 429, 409 in_progress)
		NoAnswer        int `json:"no_answer"`        // of the sends, those that got no answer at all
		AnswersLost     int `json:"answers_lost"`     // first sends whose answer the client gave up on after a few ms
		SentAgain       int `json:"sent_again"`       // trip requests and sign-ups answered and sent again, as if the answer was lost
		HTTP503         int `json:"http_503"`         // 503 answers
		HTTP503Outage   int `json:"http_503_outage"`  // of them, while Redis was down or just after
		Live            int `json:"live"`             // accepts and declines sent again, same request_id
		LiveUnavailable int `json:"live_unavailable"` // answered error unavailable
		StillAnswering  int `json:"still_being_answered"`
		ServerErrors    int `json:"server_errors_outage"` // 5xx other than 503 while Redis was down or just after
	} `json:"retries"`
	Rush       *rushFigures        `json:"rush,omitempty"`
	Violations map[string]int      `json:"violations"`
	Examples   map[string][]string `json:"examples,omitempty"`
	Total      int                 `json:"total_violations"`
}

// rushFigures are the sign-up rush's.
type rushFigures struct {
	Drivers   int `json:"drivers"`
	Places    int `json:"places"`
	Confirmed int `json:"confirmed"`
	Waiting   int `json:"waiting"`
}

// figures gathers the counters; check adds the fleet's state and the
// violations.
func (w *world) figures() *figures {
	f := &figures{}
	f.Run.Duration = w.cfg.Duration.String()
	f.Run.Instances, f.Run.Drivers, f.Run.TripsPerSec, f.Run.Seed = w.cfg.Instances, w.cfg.Drivers, w.cfg.TripsPerSec, w.cfg.Seed
	f.Trips.Refused, f.Trips.ByStatus = map[string]int{}, map[string]int{}
	for _, b := range w.trips.list() {
		w.trips.mu.Lock()
		f.Trips.Requested++
		switch {
		case b.answered && b.tripID != "":
			f.Trips.Booked++
			if b.replayed {
				f.Trips.Replayed++
			}
		case b.answered:
			f.Trips.Refused[fmt.Sprintf("%d %s", b.status, b.code)]++
		}
		w.trips.mu.Unlock()
	}
	s := w.stats
	f.Accepts.OffersAnswered = int(s.offersSeen.Load())
	f.Accepts.Sent = int(s.acceptsSent.Load())
	w.ledger.mu.Lock()
	f.Accepts.Acknowledged = w.ledger.acks
	f.Accepts.Refused = maps.Clone(w.ledger.codes)
	f.Accepts.Declines = maps.Clone(w.ledger.decline)
	w.ledger.mu.Unlock()
	f.Kills.Instances, f.Kills.Redis = int(w.r.instanceKills.Load()), int(w.r.redisKills.Load())
	f.Sockets.Cut, f.Sockets.CutMidAsk = int(s.socketsCut.Load()), int(s.cutsAfterRequest.Load())
	f.Sockets.Dropped, f.Sockets.Reconnects, f.Sockets.DialFailures = int(s.socketDrops.Load()), int(s.reconnects.Load()), int(s.dialFailures.Load())
	f.Retries.HTTP, f.Retries.NoAnswer, f.Retries.AnswersLost = int(s.retries.Load()), int(s.networkErrors.Load()), int(s.answersLost.Load())
	f.Retries.SentAgain = int(s.sentAgain.Load())
	f.Retries.HTTP503, f.Retries.HTTP503Outage = int(s.http503.Load()), int(s.http503Outage.Load())
	f.Retries.Live, f.Retries.LiveUnavailable, f.Retries.StillAnswering = int(s.resent.Load()), int(s.unavailableFrames.Load()), int(s.stillAnswering.Load())
	_, f.Retries.ServerErrors = s.serverErrors()
	return f
}

func (f *figures) violations(fd *findings) {
	f.Violations = map[string]int{}
	for _, inv := range invariants {
		f.Violations[inv] = fd.count[inv]
		f.Total += fd.count[inv]
	}
	if len(fd.examples) > 0 {
		f.Examples = fd.examples
	}
}

func (f *figures) writeJSON(w io.Writer) error {
	e := json.NewEncoder(w)
	e.SetIndent("", "  ")
	return e.Encode(f)
}

func (f *figures) writeTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k string, v any) { fmt.Fprintf(tw, "%s\t%v\n", k, v) }
	row("run", fmt.Sprintf("%s, %d instances, %d drivers, %g trips/s, seed %d", f.Run.Duration, f.Run.Instances, f.Run.Drivers, f.Run.TripsPerSec, f.Run.Seed))
	row("trips requested", f.Trips.Requested)
	row("trips booked (201)", fmt.Sprintf("%d (%d of them replayed answers)", f.Trips.Booked, f.Trips.Replayed))
	if len(f.Trips.Refused) > 0 {
		row("trip requests refused", counts(f.Trips.Refused))
	}
	row("trips at the end", counts(f.Trips.ByStatus))
	row("offers answered", f.Accepts.OffersAnswered)
	row("accepts sent", f.Accepts.Sent)
	row("acknowledged accepts", f.Accepts.Acknowledged)
	row("accepts refused", counts(f.Accepts.Refused))
	row("declines answered", counts(f.Accepts.Declines))
	row("kills", fmt.Sprintf("%d instances, %d Redis", f.Kills.Instances, f.Kills.Redis))
	row("sockets cut", fmt.Sprintf("%d (%d right after a request); %d dropped in all, %d reconnects, %d upgrades failed",
		f.Sockets.Cut, f.Sockets.CutMidAsk, f.Sockets.Dropped, f.Sockets.Reconnects, f.Sockets.DialFailures))
	row("HTTP sent again", fmt.Sprintf("%d (%d answers given up on, %d sends unanswered, %d answered 503, %d of them during store outages); %d answered requests sent again",
		f.Retries.HTTP, f.Retries.AnswersLost, f.Retries.NoAnswer, f.Retries.HTTP503, f.Retries.HTTP503Outage, f.Retries.SentAgain))
	row("5xx other than 503 during store outages", f.Retries.ServerErrors)
	row("live requests sent again", fmt.Sprintf("%d (%d answered unavailable, %d still being answered)",
		f.Retries.Live, f.Retries.LiveUnavailable, f.Retries.StillAnswering))
	if f.Rush != nil {
		row("sign-up rush", fmt.Sprintf("%d drivers for %d places: %d confirmed, %d waiting", f.Rush.Drivers, f.Rush.Places, f.Rush.Confirmed, f.Rush.Waiting))
	}
	fmt.Fprintln(tw, "violations (goal 0)\t")
	for _, inv := range invariants {
		row("  "+inv, f.Violations[inv])
	}
	row("total violations", f.Total)
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, inv := range invariants {
		for _, e := range f.Examples[inv] {
			fmt.Fprintf(w, "%s: %s\n", inv, e)
		}
	}
	return nil
}

// counts writes a count map as "a 3, b 1", largest first.
func counts(m map[string]int) string {
	if len(m) == 0 {
		return "0"
	}
	keys := slices.Collect(maps.Keys(m))
	slices.SortFunc(keys, func(a, b string) int {
		if m[a] != m[b] {
			return m[b] - m[a]
		}
		return strings.Compare(a, b)
	})
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}
