package gateway_test

import "testing"

// openStore returns a fresh store for one scenario.
func openStore(t testing.TB) testStore {
	t.Helper()
	return newMemStore()
}
