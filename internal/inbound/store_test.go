package inbound

import "testing"

func newTestStore(t *testing.T) testStore {
	t.Helper()
	return newMemStore()
}
