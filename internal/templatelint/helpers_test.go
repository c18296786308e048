package templatelint

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/wabaguard/wabaguard/internal/refusal"
)

// body builds a creation request of category with the given components
// JSON and, optionally, more top-level members ("\"parameter_format\":\"named\"").
func body(category, components string, extra ...string) string {
	b := fmt.Sprintf(`{"name":"order_update","language":"pt_BR","category":%q,"components":%s`, category, components)
	for _, e := range extra {
		b += "," + e
	}
	return b + "}"
}

// lint lints b with no content checker and fails the test on bad input.
func lint(t *testing.T, b string) Report {
	t.Helper()
	r, err := (&Linter{}).Lint(context.Background(), "acme", []byte(b))
	if err != nil {
		t.Fatalf("lint %s: %v", b, err)
	}
	for _, f := range r.Findings {
		for _, l := range refusal.Langs {
			tx := f.In(l)
			if tx.Message == "" || tx.Fix == "" || strings.Contains(tx.Message, "%!") {
				t.Errorf("finding %s in %s: %+v", f.Code, l, tx)
			}
		}
	}
	return r
}

// codes lists a report's findings as "severity code field".
func codes(r Report) []string {
	var out []string
	for _, f := range r.Findings {
		out = append(out, string(f.Severity)+" "+f.Code+" "+f.Field)
	}
	return out
}

type lintCase struct {
	name string
	body string
	// want are "severity code field" entries that must be found; none
	// means the template must lint clean of the rule's codes.
	want []string
	// prefix restricts the check to codes of one rule ("variables.").
	prefix string
}

func runCases(t *testing.T, cases []lintCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := lint(t, c.body)
			var got []string
			for _, g := range codes(r) {
				if strings.HasPrefix(strings.SplitN(g, " ", 2)[1], c.prefix) {
					got = append(got, g)
				}
			}
			slices.Sort(got)
			want := slices.Clone(c.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("findings of %q:\n got %q\nwant %q\nall: %q", c.prefix, got, want, codes(r))
			}
		})
	}
}
