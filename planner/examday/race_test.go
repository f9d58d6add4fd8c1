//go:build race

package examday

// raceEnabled: the race detector slows the planner five- to tenfold, so
// the regression test plans only the small instance and checks rules, not
// kilometres.
const raceEnabled = true
