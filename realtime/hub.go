package realtime

import (
	"hash/maphash"
	"sync"
)

// shardCount spreads topics over independent locks; a power of two well
// above the core count keeps two busy topics from sharing one.
const shardCount = 64

// Hub holds connections by topic, sharded by lock so that publishing to one topic never waits on
// another; a publish never blocks on a slow connection.
//
// A connection leaves every topic by itself when it ends. The zero Hub is
// not usable; call NewHub.
type Hub struct {
	seed   maphash.Seed
	shards [shardCount]shard

	// mu guards members. Subscribe and Unsubscribe take it, briefly; Publish
	// and Coalesce never do.
	mu      sync.Mutex
	members map[*Conn]map[string]struct{} // each connection's topics; only connections in at least one
}

type shard struct {
	mu     sync.RWMutex // mu guards topics
	topics map[string]map[*Conn]struct{}
}

// Lock order: Hub.mu, then shard.mu, then Conn.mu. A Conn calls into its
// hubs (drop) only after releasing its own lock.

// NewHub returns an empty Hub.
func NewHub() *Hub {
	h := &Hub{seed: maphash.MakeSeed(), members: make(map[*Conn]map[string]struct{})}
	for i := range h.shards {
		h.shards[i].topics = make(map[string]map[*Conn]struct{})
	}
	return h
}

func (h *Hub) shard(topic string) *shard {
	return &h.shards[maphash.String(h.seed, topic)%shardCount]
}

// Subscribe adds c to topic; a conn may be in several topics. Subscribing a
// connection that has already ended does nothing.
func (h *Hub) Subscribe(topic string, c *Conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	topics := h.members[c]
	if topics == nil {
		if !c.watch(h) {
			return
		}
		topics = make(map[string]struct{}, 1)
		h.members[c] = topics
	}
	if _, ok := topics[topic]; ok {
		return
	}
	topics[topic] = struct{}{}

	s := h.shard(topic)
	s.mu.Lock()
	conns := s.topics[topic]
	if conns == nil {
		conns = make(map[*Conn]struct{}, 1)
		s.topics[topic] = conns
	}
	conns[c] = struct{}{}
	s.mu.Unlock()
}

// Unsubscribe removes c from topic.
func (h *Hub) Unsubscribe(topic string, c *Conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	topics := h.members[c]
	if _, ok := topics[topic]; !ok {
		return
	}
	delete(topics, topic)
	h.remove(topic, c)
	if len(topics) == 0 {
		delete(h.members, c)
		c.unwatch(h)
	}
}

// drop removes c from every topic; c calls it when it ends.
func (h *Hub) drop(c *Conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for topic := range h.members[c] {
		h.remove(topic, c)
	}
	delete(h.members, c)
}

// remove takes c out of topic's shard. h.mu must be held.
func (h *Hub) remove(topic string, c *Conn) {
	s := h.shard(topic)
	s.mu.Lock()
	defer s.mu.Unlock()
	conns := s.topics[topic]
	delete(conns, c)
	if len(conns) == 0 {
		delete(s.topics, topic)
	}
}

// Publish queues frame for every connection in topic and reports how many
// took it. A connection whose queue is full is dropped as a slow consumer
// (see Conn.Send); the others are not delayed. frame must not be modified
// afterwards.
func (h *Hub) Publish(topic string, frame []byte) int {
	return h.each(topic, func(c *Conn) bool { return c.Send(frame) })
}

// Coalesce hands frame to every connection in topic under key (see
// Conn.Coalesce) and reports how many took it.
func (h *Hub) Coalesce(topic, key string, frame []byte) int {
	return h.each(topic, func(c *Conn) bool { return c.coalesce(key, frame) })
}

// each calls give for every connection in topic, under the topic shard's
// read lock only, and counts those that took what it gave.
func (h *Hub) each(topic string, give func(*Conn) bool) int {
	s := h.shard(topic)
	s.mu.RLock()
	defer s.mu.RUnlock()
	n := 0
	for c := range s.topics[topic] {
		if give(c) {
			n++
		}
	}
	return n
}

// Count reports how many connections are in topic.
func (h *Hub) Count(topic string) int {
	s := h.shard(topic)
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.topics[topic])
}

// Conns reports how many distinct connections are in any topic.
func (h *Hub) Conns() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.members)
}

// CloseAll closes every connection in any topic with code and reason (e.g.
// 1001 "going away" at shutdown) without waiting for them to end; each
// leaves the hub when its Run returns. Connections in no topic are not
// reached: cancel their Run's context instead.
func (h *Hub) CloseAll(code int, reason string) {
	h.mu.Lock()
	conns := make([]*Conn, 0, len(h.members))
	for c := range h.members {
		conns = append(conns, c)
	}
	h.mu.Unlock()
	for _, c := range conns {
		c.Close(code, reason)
	}
}
