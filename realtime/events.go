package realtime

import "strings"

// Events carry ids that increase along their stream, and a client resumes
// after the last id it saw. SendID keeps a connection's ids increasing and
// never sends one twice, which matters while a connection is brought up to
// date: Hold the connection, subscribe it, Prime it with what it missed (or
// a snapshot), then Release what was published meanwhile, minus what Prime
// already covered.
//
// Ids are compared as dash-separated decimal numbers, the form of Redis
// stream ids ("1764345600123-0"); an empty id comes before every other.

// heldFrame is a frame published while the connection was held.
type heldFrame struct {
	id    string
	frame []byte
}

// SendID queues an event frame with its id, dropping it when the
// connection has already been given that id or a later one. While the
// connection is held the frame waits for Release. Like Send it never
// blocks, and a full queue closes the connection as a slow consumer.
func (c *Conn) SendID(id string, frame []byte) bool {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return false
	}
	if c.holding {
		if len(c.held) >= c.opt.SendQueue {
			c.shutLocked(CloseSlowConsumer, slowConsumerReason, ErrSlowConsumer, false)
			c.mu.Unlock()
			return false
		}
		c.held = append(c.held, heldFrame{id, frame})
		c.mu.Unlock()
		return true
	}
	c.mu.Unlock()
	return c.prime(id, frame)
}

// Hold makes SendID keep frames back until Release.
func (c *Conn) Hold() {
	c.mu.Lock()
	c.holding = true
	c.mu.Unlock()
}

// Prime queues an event frame at once, held or not, and counts its id as
// given.
func (c *Conn) Prime(id string, frame []byte) bool { return c.prime(id, frame) }

func (c *Conn) prime(id string, frame []byte) bool {
	c.mu.Lock()
	if id != "" && !laterID(id, c.lastID) {
		c.mu.Unlock()
		return true // given already
	}
	if id != "" {
		c.lastID = id
	}
	c.mu.Unlock()
	return c.Send(frame)
}

// Release sends the frames held since Hold, in order, except those whose
// ids Prime already gave, and stops holding.
func (c *Conn) Release() {
	c.mu.Lock()
	held := c.held
	c.held, c.holding = nil, false
	c.mu.Unlock()
	for _, h := range held {
		if !c.prime(h.id, h.frame) {
			return
		}
	}
}

// LastID is the id of the last event frame given to the connection.
func (c *Conn) LastID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastID
}

// laterID reports whether id a comes after id b.
func laterID(a, b string) bool {
	if b == "" {
		return a != ""
	}
	for a != "" || b != "" {
		var x, y string
		x, a, _ = strings.Cut(a, "-")
		y, b, _ = strings.Cut(b, "-")
		x, y = strings.TrimLeft(x, "0"), strings.TrimLeft(y, "0")
		if len(x) != len(y) {
			return len(x) > len(y)
		}
		if x != y {
			return x > y
		}
	}
	return false
}

// PublishID hands an event frame with its id to every connection in
// topic (see Conn.SendID) and reports how many took it.
func (h *Hub) PublishID(topic, id string, frame []byte) int {
	return h.each(topic, func(c *Conn) bool { return c.SendID(id, frame) })
}
