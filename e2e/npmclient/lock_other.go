//go:build !unix

package npmclient

// lockFile is a no-op where flock is unavailable: tests of one binary are
// still serialised by the in-process mutex.
func lockFile(string) (func(), error) { return func() {}, nil }
