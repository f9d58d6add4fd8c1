package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// dialer opens every socket. Buffers are small and the write buffer is
// pooled: ten thousand mostly idle sockets must cost little in this process
// too, since it shares the machine with the server.
var dialer = websocket.Dialer{
	HandshakeTimeout: 10 * time.Second,
	ReadBufferSize:   1024,
	WriteBufferSize:  1024,
	WriteBufferPool:  &sync.Pool{},
}

// writeTimeout bounds every write: a server that stops reading must not
// hang the tool.
const writeTimeout = 5 * time.Second

// typeOf reads a frame's type from its first bytes, without decoding it:
// the server writes "type" first. The tool decodes only the frames it
// times or inspects, since its CPU shares the machine with the server it
// measures; ok is false when a frame does not start so, to be decoded in
// full.
func typeOf(msg []byte) (typ string, ok bool) {
	const head = `{"type":"`
	if !bytes.HasPrefix(msg, []byte(head)) {
		return "", false
	}
	rest := msg[len(head):]
	end := bytes.IndexByte(rest, '"')
	if end <= 0 || bytes.IndexByte(rest[:end], '\\') >= 0 {
		return "", false
	}
	return string(rest[:end]), true
}

// request is a frame the drivers send.
type request struct {
	Type string `json:"type"`
	Data any    `json:"data"`
}

// socket is one websocket with its writes serialized. One goroutine reads
// it; any goroutine may write through send.
type socket struct {
	ws  *websocket.Conn
	wmu sync.Mutex // wmu guards writes to ws
}

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

// closeFrame starts a clean close: the server answers with its own close
// frame, which ends the reader.
func (s *socket) closeFrame() {
	msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "load run over")
	s.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
}

// dial opens a websocket to path with token and says why it failed in a
// word the report can count.
func dial(ctx context.Context, cfg config, path, token string) (*websocket.Conn, error) {
	h := http.Header{"Authorization": {"Bearer " + token}}
	ws, resp, err := dialer.DialContext(ctx, cfg.wsURL(path), h)
	if err == nil {
		return ws, nil
	}
	if resp != nil {
		return nil, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return nil, errors.New(netReason(err))
}

// netReason names a network error briefly, for counting.
func netReason(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case strings.Contains(err.Error(), "connection refused"):
		return "connection refused"
	case strings.Contains(err.Error(), "connection reset"):
		return "connection reset"
	case strings.Contains(err.Error(), "too many open files"):
		return "too many open files"
	case strings.Contains(err.Error(), "cannot assign requested address"):
		return "no free local port"
	}
	return err.Error()
}

// closeReason names how a reader ended: the close code the server sent,
// or 1006 when the connection just went.
func closeReason(err error) string {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		return strconv.Itoa(ce.Code) + " " + closeText(ce.Code)
	}
	return "1006 abnormal (" + netReason(err) + ")"
}

func closeText(code int) string {
	switch code {
	case websocket.CloseNormalClosure:
		return "normal"
	case websocket.CloseGoingAway:
		return "going away"
	case websocket.CloseMessageTooBig:
		return "too big"
	case websocket.CloseInternalServerErr:
		return "could not start"
	case 4008:
		return "slow consumer"
	}
	return "other"
}

// eventMillis is the millisecond part of a stream id such as
// "1764345600123-0": the Redis server's clock when the change was written.
func eventMillis(id string) (time.Time, bool) {
	msPart, _, ok := strings.Cut(id, "-")
	if !ok {
		return time.Time{}, false
	}
	n, err := strconv.ParseInt(msPart, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.UnixMilli(n), true
}

// readers counts the socket readers running, so that the run can wait for
// all of them to end.
type readers struct {
	wg      sync.WaitGroup
	closing atomic.Bool // the run is closing the sockets itself: ends are not drops
}
