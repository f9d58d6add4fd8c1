// Package realtime holds the websocket side of the service: a Conn with one
// writer goroutine and a bounded send queue, and a Hub of connections by
// topic. Frames are opaque bytes here; the Message envelope is the only
// shape it knows. It imports no domain package and no Redis: the endpoints
// that speak of drivers, boards and trips are built on top of it, and
// fan-out across servers belongs to whoever feeds Hub.Publish.
//
// # Upgrading and memory
//
// The caller owns the websocket.Upgrader and the handler. Per-connection
// memory decides how many connections a server holds (the target is 10,000
// in 400 MiB), and two choices dominate it (figures from BenchmarkIdleConn,
// at the top of memory_test.go).
//
// First, let the handler return. While a handler runs, net/http keeps its
// own 4 KiB read and 4 KiB write buffers reachable; once it returns they are
// freed. So the handler upgrades, subscribes, starts Run on a goroutine the
// server tracks, and returns; the server cancels ctx and waits for those
// goroutines at shutdown. Run must not get r.Context(): net/http cancels it
// when the handler returns.
//
//	ws, err := realtime.Upgrade(&upgrader, w, r, nil) // the writer may then batch its frames
//	if err != nil {
//		return // Upgrade has answered the client
//	}
//	c := realtime.NewConn(ws, opts)
//	hub.Subscribe(topic, c)
//	s.conns.Go(func() { c.Run(s.ctx, onText) }) // s.conns: a sync.WaitGroup waited on at shutdown
//
// Second, with the handler gone, use small read buffers and one write buffer
// pool shared by every connection, so that an idle connection holds no
// write buffer at all:
//
//	var upgrader = websocket.Upgrader{
//		ReadBufferSize:  1024,         // client frames are small; larger ones are read in pieces
//		WriteBufferSize: 4096,         // taken from the pool only while a frame is written
//		WriteBufferPool: &sync.Pool{}, // one pool per WriteBufferSize, shared by all connections
//	}
//
// That leaves about 11 KiB per idle connection, heap and stacks: 10,000 in
// about 105 MiB. (If Run stays on the handler's goroutine, leave both sizes
// zero and set no pool instead: gorilla then reuses net/http's buffers, and
// smaller ones would only add to them; about 23 KiB per connection.) Leave
// EnableCompression off: deflate state costs far more per connection than
// the small JSON frames would save. Keep CheckOrigin's same-origin default
// unless browsers on other origins must connect. Setting GOMEMLIMIT below
// the container's limit keeps the garbage collector's headroom from
// doubling the live heap.
//
// # Lifetimes
//
// Run reads on the goroutine that calls it and starts one writer; it
// returns once the connection has ended and the writer has stopped, so the
// caller's goroutine accounts for both. A Conn leaves every Hub topic by
// itself when it ends.
package realtime
