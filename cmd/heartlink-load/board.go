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
		typ, ok := typeOf(msg)
		switch {
		case ok && typ == "snapshot":
			b.r.snapshotBytes.Add(int64(len(msg)))
			b.r.boardFrames.add(typ)
			continue
		case ok && typ != "trip" && typ != "driver":
			b.r.boardFrames.add(typ) // counted, not read
			continue
		}
		if typ == "driver" {
			var e struct {
				ID string `json:"id"`
			}
			if json.Unmarshal(msg, &e) != nil {
				b.r.errorFrames.add("unreadable frame")
				continue
			}
			kind := "driver"
			if e.ID == "" {
				kind = "driver (position)"
			}
			b.r.boardFrames.add(kind)
			continue
		}
		// A trip's frame (or one that does not start as the server's
		// do) is decoded once, its data with its envelope.
		var f struct {
			Type string    `json:"type"`
			ID   string    `json:"id"`
			Data boardData `json:"data"`
		}
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
			t := f.Data
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
