package integration

import "syscall"

// smallReceiveBuffer makes a socket that the server can fill with
// kilobytes instead of the megabytes loopback buffers by default: a small
// receive buffer, and a small segment size announced to the server, which
// sizes its send buffer by segments. Both are set before the socket
// connects (shrinking a receive buffer later makes the kernel drop data
// and the sender back off for seconds).
// smallBuffers: see TestLiveSlowConsumer.
const smallBuffers = true

func smallReceiveBuffer(network, address string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4<<10)
		if serr == nil {
			serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_MAXSEG, 1024)
		}
	})
	if err != nil {
		return err
	}
	return serr
}
