package forward

import (
	"strings"
	"testing"

	"github.com/wabaguard/wabaguard/internal/clocktest"
)

// TestRewriteRunsPerTenantBeforeSigning checks the hook that replaces
// inbound media urls sees each tenant's own values and that what it returns
// is what the tenant receives, signed; the stored value stays as Meta sent
// it, so a retry rewrites afresh.
func TestRewriteRunsPerTenantBeforeSigning(t *testing.T) {
	t.Parallel()
	st := newTestStore(t)
	epA, epB := newEndpoint(t, "secret-a"), newEndpoint(t, "secret-b", 500)
	addTenant(t, st, "a", epA.srv.URL)
	addTenant(t, st, "b", epB.srv.URL)
	const meta = `{"messages":[{"type":"image","image":{"id":"1","url":"https://lookaside.example/1"}}]}`
	enqueue(t, st, fw("a", "waba-1", meta, t0), fw("b", "waba-2", meta, t0))
	clk := clocktest.New(t0)
	rewrite := func(tenantID, field string, value []byte) []byte {
		return []byte(strings.Replace(string(value), "https://lookaside.example/", "https://gw.example/media/"+tenantID+"-"+field+"-", 1))
	}
	f := newForwarder(st, clk, Config{Rewrite: rewrite, BackoffBase: 1, BackoffCap: 1})
	if _, err := f.DeliverOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	clk.Advance(1)
	if _, err := f.DeliverOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		ep   *endpoint
		want string
	}{
		{epA, `waba-1/messages/{"messages":[{"type":"image","image":{"id":"1","url":"https://gw.example/media/a-messages-1"}}]}`},
		{epB, `waba-2/messages/{"messages":[{"type":"image","image":{"id":"1","url":"https://gw.example/media/b-messages-1"}}]}`},
	} {
		got := c.ep.values()
		if c.ep.bad != 0 || len(got) != 1 || got[0] != c.want {
			t.Errorf("received %v (%d badly signed), want [%s]", got, c.ep.bad, c.want)
		}
	}
}
