package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// dialer opens every socket; buffers are small, since two hundred mostly
// idle sockets share the machine with the server.
var dialer = websocket.Dialer{
	HandshakeTimeout: 10 * time.Second,
	ReadBufferSize:   2048,
	WriteBufferSize:  1024,
}

// writeTimeout bounds every write: a server that stops reading must not
// hang an actor.
const writeTimeout = 5 * time.Second

// frame is one frame from the server; Data is decoded by Type.
type frame struct {
	Type string          `json:"type"`
	ID   string          `json:"id"`
	Data json.RawMessage `json:"data"`
}

// outgoing is a frame a driver sends.
type outgoing struct {
	Type string `json:"type"`
	Data any    `json:"data"`
}

// socket is one websocket. A reader goroutine delivers its frames on
// frames; the owner writes through send and ends it with shutdown.
type socket struct {
	ws     *websocket.Conn
	frames chan frame    // frames read; closed when the socket has ended
	quit   chan struct{} // closed by shutdown: stop delivering
	done   chan struct{} // closed when the reader has returned
	err    error         // why the socket ended; read after frames is closed

	wmu sync.Mutex // wmu guards writes to ws
}

// dial opens the live channel at path as the holder of token, resuming
// after lastID when there is one. It takes a turn of the address's pace,
// since an upgrade counts against the server's per-address limit.
func (c *client) dial(ctx context.Context, path, token, lastID string) (*socket, error) {
	if err := c.all.wait(ctx); err != nil {
		return nil, err
	}
	u := "ws" + strings.TrimPrefix(c.base, "http") + path
	if lastID != "" {
		u += "?last_event_id=" + url.QueryEscape(lastID)
	}
	ws, resp, err := dialer.DialContext(ctx, u, http.Header{"Authorization": {"Bearer " + token}})
	if err != nil {
		if resp != nil {
			return nil, &apiError{Status: resp.StatusCode, Message: fmt.Sprintf("upgrade %s refused", path)}
		}
		return nil, err
	}
	s := &socket{ws: ws, frames: make(chan frame, 64), quit: make(chan struct{}), done: make(chan struct{})}
	go s.read()
	return s, nil
}

// read delivers frames until the socket ends. After quit it keeps reading,
// and drops what it reads, until the server's close frame or an error.
func (s *socket) read() {
	defer close(s.done)
	defer close(s.frames)
	for {
		_, msg, err := s.ws.ReadMessage()
		if err != nil {
			s.err = err
			return
		}
		var f frame
		if json.Unmarshal(msg, &f) != nil {
			f = frame{Type: "unreadable"}
		}
		select {
		case s.frames <- f:
		case <-s.quit:
		}
	}
}

// send writes one frame.
func (s *socket) send(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.ws.SetWriteDeadline(time.Now().Add(writeTimeout))
	return s.ws.WriteMessage(websocket.TextMessage, b)
}

// shutdown closes the socket cleanly: a close frame, a short wait for the
// server's answer, then the connection. The reader has returned when it
// does.
func (s *socket) shutdown() {
	close(s.quit)
	s.wmu.Lock()
	s.ws.WriteControl(websocket.CloseMessage,
		websocket.FormatCloseMessage(websocket.CloseNormalClosure, "demo over"), time.Now().Add(time.Second))
	s.wmu.Unlock()
	select {
	case <-s.done:
	case <-time.After(2 * time.Second):
	}
	s.ws.Close()
	<-s.done
}

// closedByServer reports whether the socket ended with a close frame the
// server sent on purpose (shutting down, slow reader), which is worth a
// reconnect rather than an error.
func (s *socket) closedByServer() bool {
	return websocket.IsCloseError(s.err, websocket.CloseGoingAway, websocket.CloseInternalServerErr, 4008)
}
