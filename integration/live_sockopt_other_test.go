//go:build !linux

package integration

import "syscall"

// smallReceiveBuffer leaves the socket as it is: the slow-consumer test
// then needs more frames to fill the buffers, which it sends anyway.
// smallBuffers: see TestLiveSlowConsumer.
const smallBuffers = false

func smallReceiveBuffer(network, address string, c syscall.RawConn) error { return nil }
