package server

import (
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/template"
)

// TestTemplatesSyncedAtStart: a started gateway lists its senders' WABA
// from the upstream (here the simulator, which seeds hello_world) without
// being asked.
func TestTemplatesSyncedAtStart(t *testing.T) {
	srv := startServer(t, declaredTenant)
	const waba = "209000000000001"
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, ok := srv.Templates().Synced(waba); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the WABA was not synced at start")
		}
		time.Sleep(20 * time.Millisecond)
	}
	info, k := srv.Templates().Lookup(waba, "hello_world", "en_US")
	if k != template.Present || !info.Sendable() {
		t.Errorf("hello_world after the start-up sync: %v %+v", k, info)
	}
	if _, k := srv.Templates().Lookup(waba, "hello_world", "xx"); k != template.Absent {
		t.Errorf("a language the WABA lacks: %v, want absent", k)
	}
}
