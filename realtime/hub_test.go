package realtime

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHubPublishReachesExactlyItsSubscribers(t *testing.T) {
	noLeaks(t)
	hub := NewHub()
	ts := startServer(t, Options{})
	a, aSC := ts.dial(t)
	b, bSC := ts.dial(t)
	c, cSC := ts.dial(t)
	hub.Subscribe("board:north", aSC.Conn)
	hub.Subscribe("board:north", bSC.Conn)
	hub.Subscribe("trip:42", bSC.Conn)
	hub.Subscribe("trip:42", cSC.Conn)
	hub.Subscribe("trip:42", cSC.Conn) // twice is once

	assert.Equal(t, 2, hub.Count("board:north"))
	assert.Equal(t, 2, hub.Count("trip:42"))
	assert.Equal(t, 0, hub.Count("nobody"))
	assert.Equal(t, 3, hub.Conns())

	assert.Equal(t, 2, hub.Publish("board:north", []byte("north 1")))
	assert.Equal(t, 2, hub.Publish("trip:42", []byte("trip 1")))
	assert.Equal(t, 0, hub.Publish("nobody", []byte("lost")))
	// Each connection's frames arrive in order, so the first frame each
	// reads shows which topics reached it.
	assert.Equal(t, "north 1", readText(t, a))
	assert.Equal(t, "north 1", readText(t, b))
	assert.Equal(t, "trip 1", readText(t, b))
	assert.Equal(t, "trip 1", readText(t, c))

	hub.Unsubscribe("board:north", bSC.Conn)
	hub.Unsubscribe("board:north", cSC.Conn) // not subscribed: nothing happens
	assert.Equal(t, 1, hub.Publish("board:north", []byte("north 2")))
	assert.Equal(t, 2, hub.Publish("trip:42", []byte("trip 2")))
	assert.Equal(t, "north 2", readText(t, a))
	assert.Equal(t, "trip 2", readText(t, b), "b left board:north")
	assert.Equal(t, "trip 2", readText(t, c))

	hub.Unsubscribe("trip:42", bSC.Conn)
	assert.Equal(t, 2, hub.Conns(), "b is in no topic")
}

func TestHubCoalesce(t *testing.T) {
	noLeaks(t)
	hub := NewHub()
	ts := startServer(t, Options{CoalesceEvery: 50 * time.Millisecond}, subscribe(hub, "board"))
	a, _ := ts.dial(t)
	b, _ := ts.dial(t)

	for i := range 5 {
		assert.Equal(t, 2, hub.Coalesce("board", "driver 7", fmt.Appendf(nil, "position %d", i)))
	}
	assert.Equal(t, "position 4", readText(t, a))
	assert.Equal(t, "position 4", readText(t, b))
}

func TestHubForgetsEndedConnections(t *testing.T) {
	noLeaks(t)
	hub := NewHub()
	ts := startServer(t, Options{}, subscribe(hub, "board"), subscribe(hub, "trip:42"))
	ws, sc := ts.dial(t)
	_, other := ts.dial(t)
	require.Equal(t, 2, hub.Conns())

	ws.Close() // the client goes away without a word
	sc.ended(t)
	assert.Equal(t, 1, hub.Count("board"))
	assert.Equal(t, 1, hub.Count("trip:42"))
	assert.Equal(t, 1, hub.Conns())
	assert.Equal(t, 1, hub.Publish("board", []byte("x")))

	hub.Subscribe("late", sc.Conn) // an ended connection cannot come back
	assert.Equal(t, 0, hub.Count("late"))
	assert.Equal(t, 1, hub.Conns())
	other.Close(websocket.CloseNormalClosure, "")
}

func TestHubCloseAll(t *testing.T) {
	noLeaks(t)
	hub := NewHub()
	ts := startServer(t, Options{})
	var clients []*websocket.Conn
	var servers []*serverConn
	for i := range 3 {
		ws, sc := ts.dial(t)
		hub.Subscribe(fmt.Sprintf("trip:%d", i), sc.Conn)
		hub.Subscribe("board", sc.Conn)
		clients, servers = append(clients, ws), append(servers, sc)
	}

	hub.CloseAll(websocket.CloseGoingAway, "going away")
	for i, ws := range clients {
		ce := readClose(t, ws)
		assert.Equal(t, websocket.CloseGoingAway, ce.Code)
		assert.Equal(t, "going away", ce.Text)
		assert.NoError(t, servers[i].runResult(t))
	}
	assert.Equal(t, 0, hub.Conns())
	assert.Equal(t, 0, hub.Count("board"))
}

func TestHubConcurrentUse(t *testing.T) {
	noLeaks(t)
	hub := NewHub()
	ts := startServer(t, Options{SendQueue: 1 << 16})
	var conns []*Conn
	for range 4 {
		ws, sc := ts.dial(t)
		reader(t, ws)
		conns = append(conns, sc.Conn)
	}
	topics := []string{"board", "trip:1", "trip:2", "driver:7"}

	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(g), 1))
			for range 2000 {
				topic, c := topics[r.IntN(len(topics))], conns[r.IntN(len(conns))]
				switch r.IntN(6) {
				case 0:
					hub.Subscribe(topic, c)
				case 1:
					hub.Unsubscribe(topic, c)
				case 2:
					if n := hub.Publish(topic, []byte("x")); n > len(conns) {
						t.Errorf("Publish(%q) = %d; want at most %d", topic, n, len(conns))
					}
				case 3:
					hub.Coalesce(topic, "k", []byte("y"))
				case 4:
					if n := hub.Count(topic); n > len(conns) {
						t.Errorf("Count(%q) = %d; want at most %d", topic, n, len(conns))
					}
				case 5:
					if n := hub.Conns(); n > len(conns) {
						t.Errorf("Conns() = %d; want at most %d", n, len(conns))
					}
				}
			}
		})
	}
	wg.Wait()

	for _, c := range conns {
		for _, topic := range topics {
			hub.Unsubscribe(topic, c)
		}
	}
	for _, topic := range topics {
		assert.Equal(t, 0, hub.Count(topic), topic)
	}
	assert.Equal(t, 0, hub.Conns())
	for _, c := range conns {
		select {
		case <-c.Done():
			t.Fatal("a connection ended under concurrent use")
		default:
		}
	}
}
