package main

import (
	"encoding/json"
	"time"
)

// board is one coordinators' board on its own websocket.
type board struct {
	socket
	r *runner
	// versions is the highest trip version seen per trip; only the
	// reader touches it.
	versions map[string]int64
}

// boardData holds the fields of board frames that the tool looks at.
type boardData struct {
	ID      string `json:"id"`
	Version int64  `json:"version"`
}

// boardFrame is one trip frame a board saw, for the client-side staleness
// worked out once the run is over.
type boardFrame struct {
	trip    string
	version int64
	at      time.Time
}

func (b *board) read() {
	defer b.ws.Close()
	for {
		_, msg, err := b.ws.ReadMessage()
		if err != nil {
			if !b.r.rd.closing.Load() {
				b.r.log.Warn("board socket dropped", "why", closeReason(err))
			}
			b.r.ended(err)
			return
		}
		at := time.Now()
		var f frame
		if json.Unmarshal(msg, &f) != nil {
			b.r.errorFrames.add("unreadable frame")
			continue
		}
		kind := f.Type
		switch {
		case f.Type == "driver" && f.ID == "":
			kind = "driver (position)"
		case f.Type == "snapshot":
			b.r.snapshotBytes.Add(int64(len(msg)))
		case f.Type == "trip":
			var t boardData
			if json.Unmarshal(f.Data, &t) != nil {
				b.r.errorFrames.add("unreadable frame")
				continue
			}
			if changed, ok := eventMillis(f.ID); ok {
				b.r.staleStream.add(at.Sub(changed))
			}
			if t.Version <= b.versions[t.ID] {
				// Frames are rendered from the trip as it is when pushed,
				// so two changes close together can show the same state.
				b.r.repeatedVersions.Add(1)
			}
			b.versions[t.ID] = max(b.versions[t.ID], t.Version)
			b.r.bmu.Lock()
			b.r.boardTrips = append(b.r.boardTrips, boardFrame{t.ID, t.Version, at})
			b.r.bmu.Unlock()
		}
		b.r.boardFrames.add(kind)
	}
}
