// Package demo brings a Yingtan-like city to life on a running Heart-Link
// server: it registers places, schools, a residents' community, an
// elder-care station, a fleet of volunteer drivers and a gaokao campaign,
// then plays every one of them as a real client of the public HTTP API and
// the websockets, so that the coordinators' board, a driver's page and a
// requester's page have something to show.
//
// Being a real client, the simulation doubles as a smoke test: Stats counts
// what happened and which errors the server answered.
//
// It speaks only HTTP and websockets to the server and must not import the
// server's own packages: what it can do, any client can.
package demo
