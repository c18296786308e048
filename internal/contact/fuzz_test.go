package contact

import (
	"strings"
	"testing"
)

// FuzzReadCSV: whatever the bytes, the CSV reader returns or reports each
// row with a line inside the file, in file order, and never panics.
func FuzzReadCSV(f *testing.F) {
	f.Add("phone;name\n+5511987654321;José\n")
	f.Add("phone,name,tags\n\"+55 11 9\",\"a\"\"b\",x|y\n")
	f.Add("telefone;attr.cidade;opt_in;consent_at\n1;São Paulo;sim;01/09/2026\n\"broken\n")
	f.Add("phone,attributes\n1,\"{\"\"a\"\":1}\"\n2,[1]\n")
	f.Fuzz(func(t *testing.T, s string) {
		lines := strings.Count(s, "\n") + 1
		br, _, err := decode(strings.NewReader(s), "")
		if err != nil {
			return
		}
		prev := 1
		_ = readCSV(br, func(r Row) error {
			if r.Line <= prev-1 || r.Line > lines+1 {
				t.Fatalf("row at line %d after line %d, in a %d-line file", r.Line, prev, lines)
			}
			prev = r.Line
			if r.Err == nil && r.Consent != nil && len(r.Consent.Categories) == 0 {
				t.Fatal("an opt-in without a category passed")
			}
			return nil
		})
	})
}
