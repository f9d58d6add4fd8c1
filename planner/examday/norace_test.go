//go:build !race

package examday

const raceEnabled = false
