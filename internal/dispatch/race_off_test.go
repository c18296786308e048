//go:build !race

package dispatch

// raceDetector: see race_on_test.go.
const raceDetector = false
