// Package integration drives Heart-Link from outside, as a client written in
// another language would: it builds the real binary once, starts server
// processes on free ports against real Redis and the embedded store, and
// speaks nothing but HTTP and JSON to them. Every test asserts something a
// driver, a school, a coordinator or an operator would notice if it broke.
//
// It imports no package of the service except internal/redistest, which only
// finds or starts a Redis for the tests.
package integration
