package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/heartlink/heartlink/planner"
)

// volunteer is one driver of the morning: their account, their car of the
// instance, and their live socket.
type volunteer struct {
	m   *morning
	car planner.Car
	id  string
	api *client

	ws   *websocket.Conn
	wmu  sync.Mutex // wmu guards writes to ws
	done chan struct{}
}

// volunteer registers car i's driver, says they drive on date from the
// car's departure to 10:00, and puts them online at home on their socket.
func (m *morning) volunteer(ctx context.Context, i int, car planner.Car, date string) (*volunteer, error) {
	reg := map[string]any{
		"name": fmt.Sprintf("Volunteer %d (%s)", car.ID, m.run), "phone": fmt.Sprintf("138%08d", i),
		"vehicle":         map[string]any{"plate": fmt.Sprintf("赣L%05d", i), "seats": car.Seats, "wheelchair": car.WheelchairSlots > 0},
		"verified_minors": true,
		"home":            map[string]float64{"lat": car.Home.Lat, "lng": car.Home.Lng},
	}
	var made struct {
		Driver struct {
			ID string `json:"id"`
		} `json:"driver"`
		ID    string `json:"id"`
		Token string `json:"token"`
	}
	if err := m.admin.do(ctx, http.MethodPost, "/api/v1/drivers", reg, &made, http.StatusCreated); err != nil {
		return nil, fmt.Errorf("driver: %w", err)
	}
	id := made.ID
	if id == "" {
		id = made.Driver.ID
	}
	v := &volunteer{m: m, car: car, id: id, api: &client{base: m.cfg.URL, token: made.Token}, done: make(chan struct{})}
	from, to := m.at(car.Departure).In(shanghai), m.at(10*3600).In(shanghai)
	end := "24:00"
	if to.Format(time.DateOnly) == from.Format(time.DateOnly) {
		end = to.Format("15:04")
	}
	slot := map[string]any{"dates": []map[string]string{{"date": from.Format(time.DateOnly), "from": from.Format("15:04"), "to": end}}}
	if err := v.api.do(ctx, http.MethodPut, "/api/v1/drivers/me/availability", slot, nil, http.StatusOK); err != nil {
		return nil, fmt.Errorf("availability: %w", err)
	}
	ws, _, err := websocket.DefaultDialer.DialContext(ctx, "ws"+strings.TrimPrefix(m.cfg.URL, "http")+"/ws/driver",
		http.Header{"Authorization": {"Bearer " + made.Token}})
	if err != nil {
		return nil, fmt.Errorf("driver socket: %w", err)
	}
	v.ws = ws
	go v.read()
	v.send(map[string]any{"type": "presence", "data": map[string]any{"status": "online",
		"location": map[string]float64{"lat": car.Home.Lat, "lng": car.Home.Lng}}})
	go v.heartbeat()
	return v, nil
}

// heartbeat shares the volunteer's position now and then, as the app does
// while it is open, so that the service knows they are there.
func (v *volunteer) heartbeat() {
	t := time.NewTicker(20 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-v.done:
			return
		case <-t.C:
			if v.m.isSilent(v.id) {
				return
			}
			v.send(map[string]any{"type": "location", "data": map[string]float64{"lat": v.car.Home.Lat, "lng": v.car.Home.Lng}})
		}
	}
}

func (v *volunteer) send(frame any) {
	b, _ := json.Marshal(frame)
	v.wmu.Lock()
	defer v.wmu.Unlock()
	v.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if err := v.ws.WriteMessage(websocket.TextMessage, b); err != nil {
		v.m.log.Debug("driver socket write", "driver", v.id, "err", err)
	}
}

// read answers what the service pushes: route offers over HTTP, trip
// offers over the socket, each after a pause, accepting some.
func (v *volunteer) read() {
	defer close(v.done)
	for {
		_, b, err := v.ws.ReadMessage()
		if err != nil {
			return
		}
		var f struct {
			Type string          `json:"type"`
			Data json.RawMessage `json:"data"`
		}
		if json.Unmarshal(b, &f) != nil {
			continue
		}
		switch f.Type {
		case "route_offer":
			var r struct {
				ID    string `json:"id"`
				Stops []struct {
					TripID string `json:"trip_id"`
				} `json:"stops"`
			}
			if json.Unmarshal(f.Data, &r) == nil {
				var trips []string
				for _, s := range r.Stops {
					trips = append(trips, s.TripID)
				}
				go v.answerRoute(r.ID, trips)
			}
		case "offer":
			var o struct {
				TripID string `json:"trip_id"`
			}
			if json.Unmarshal(f.Data, &o) == nil {
				go v.answerOffer(o.TripID)
			}
		case "assigned":
			var a struct {
				ID     string `json:"id"`
				TripID string `json:"trip_id"`
			}
			if json.Unmarshal(f.Data, &a) == nil {
				id := a.ID
				if id == "" {
					id = a.TripID
				}
				v.m.gotAssigned(id, v.id)
			}
		case "error":
			v.m.answers.refused.Add(1)
		}
	}
}

func (v *volunteer) answerRoute(id string, trips []string) {
	time.Sleep(v.m.pause())
	if v.m.isSilent(v.id) {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if v.m.chance() < v.m.cfg.Accept {
		if err := v.api.do(ctx, http.MethodPost, "/api/v1/routes/"+id+"/accept", nil, nil, http.StatusOK); err != nil {
			v.m.answers.refused.Add(1)
			v.m.log.Debug("route accept", "route", id, "err", err)
			return
		}
		v.m.answers.routesAccepted.Add(1)
		v.maybeGoSilent(trips...)
		return
	}
	if err := v.api.do(ctx, http.MethodPost, "/api/v1/routes/"+id+"/decline", nil, nil, http.StatusOK); err == nil {
		v.m.answers.routesDeclined.Add(1)
	}
}

func (v *volunteer) answerOffer(tripID string) {
	time.Sleep(v.m.pause())
	if v.m.isSilent(v.id) {
		return
	}
	if v.m.chance() < v.m.cfg.Accept {
		v.m.answers.offersAccepted.Add(1)
		v.send(map[string]any{"type": "accept", "data": map[string]string{"trip_id": tripID}})
		return
	}
	v.m.answers.offersDeclined.Add(1)
	v.send(map[string]any{"type": "decline", "data": map[string]string{"trip_id": tripID}})
}

// maybeGoSilent has the volunteer, with the -silent chance, close the
// app right after accepting trips: the socket drops, nothing more is said.
func (v *volunteer) maybeGoSilent(trips ...string) {
	if v.m.cfg.Silent == 0 || v.m.chance() >= v.m.cfg.Silent {
		return
	}
	v.m.mu.Lock()
	v.m.silent[v.id] = true
	for _, id := range trips {
		v.m.abandoned[id] = true
	}
	v.m.mu.Unlock()
	v.m.log.Info("a volunteer goes silent after accepting", "driver", v.id, "trips", len(trips))
	v.wmu.Lock()
	v.ws.Close()
	v.wmu.Unlock()
}

func (m *morning) isSilent(id string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.silent[id]
}

func (v *volunteer) close() {
	v.wmu.Lock()
	v.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "morning over"), time.Now().Add(time.Second))
	v.wmu.Unlock()
	select {
	case <-v.done:
	case <-time.After(2 * time.Second):
	}
	v.ws.Close()
}
