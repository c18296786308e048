//go:build race

package dispatch

// raceDetector shrinks the pacing scenarios under the race detector, which
// checks their concurrency, not their figures (ten times slower per send).
const raceDetector = true
