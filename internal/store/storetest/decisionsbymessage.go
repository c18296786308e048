package storetest

import (
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
)

// testDecisionsByMessage: a message's decisions are found by its id alone,
// and no other message's (nor a rejection's, which has no message) come along.
func testDecisionsByMessage(t *testing.T, s store.Store) {
	c := ctx(t)
	first := accepted(newMsg("wamid.gw-1", "t1", "p1", base))
	first.Decision.Outcome = store.OutcomeDefer
	first.Decision.Rule = "quiet-hours"
	first.Decision.Code = "schedule.quiet_hours"
	first.Decision.Until = base.Add(8 * time.Hour)
	must(t, s.CommitIntake(c, []*store.Intake{
		first,
		accepted(newMsg("wamid.gw-2", "t1", "p1", base)),
		rejected("t1", "p1", base),
	}))

	for _, tc := range []struct {
		name string
		f    store.DecisionFilter
		want []string // rules, newest first
	}{
		{"one message", store.DecisionFilter{MessageID: "wamid.gw-1"}, []string{"quiet-hours"}},
		{"with its tenant", store.DecisionFilter{TenantID: "t1", MessageID: "wamid.gw-2"}, []string{""}},
		{"other tenant", store.DecisionFilter{TenantID: "t2", MessageID: "wamid.gw-1"}, nil},
		{"unknown", store.DecisionFilter{MessageID: "wamid.none"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.ListDecisions(c, tc.f)
			must(t, err)
			if len(got) != len(tc.want) {
				t.Fatalf("ListDecisions(%+v) = %d decisions, want %d", tc.f, len(got), len(tc.want))
			}
			for i, d := range got {
				if d.Rule != tc.want[i] || d.MessageID != tc.f.MessageID {
					t.Errorf("decision %d = %+v, want rule %q of %s", i, d, tc.want[i], tc.f.MessageID)
				}
			}
		})
	}
}
