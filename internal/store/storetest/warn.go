package storetest

import (
	"testing"

	"github.com/wabaguard/wabaguard/internal/store"
)

// testWarnDecisions: a message accepted with a warning is queued like any
// other, and its decision keeps the warning's rule, code and reason, found
// by outcome and by message.
func testWarnDecisions(t *testing.T, s store.Store) {
	c := ctx(t)
	warned := accepted(newMsg("wamid.gw-warn", "t1", "p1", base))
	warned.Decision.Outcome = store.OutcomeWarn
	warned.Decision.Rule = "content"
	warned.Decision.Code = "content.structure"
	warned.Decision.Reason = "[structure.shortener: bit.ly]"
	must(t, s.CommitIntake(c, []*store.Intake{warned, accepted(newMsg("wamid.gw-ok", "t1", "p1", base))}))

	for _, f := range []store.DecisionFilter{
		{Outcome: store.OutcomeWarn},
		{TenantID: "t1", Outcome: store.OutcomeWarn},
		{MessageID: "wamid.gw-warn"},
	} {
		got, err := s.ListDecisions(c, f)
		must(t, err)
		if len(got) != 1 {
			t.Fatalf("ListDecisions(%+v) = %d decisions, want 1", f, len(got))
		}
		d := got[0]
		if d.Outcome != store.OutcomeWarn || d.Rule != "content" || d.Code != "content.structure" ||
			d.Reason != warned.Decision.Reason || d.MessageID != "wamid.gw-warn" {
			t.Errorf("decision %+v", d)
		}
	}
	m, err := s.GetMessage(c, "wamid.gw-warn")
	must(t, err)
	if m.State != store.StateQueued {
		t.Errorf("warned message is %s, want queued", m.State)
	}
	if got, err := s.ListDecisions(c, store.DecisionFilter{TenantID: "t2", Outcome: store.OutcomeWarn}); err != nil || len(got) != 0 {
		t.Errorf("another tenant's warnings: %v %v", got, err)
	}
}
