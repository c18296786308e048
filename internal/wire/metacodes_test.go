package wire

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var updatePages = flag.Bool("update", false, "rewrite docs/meta-error-codes.md")

func TestMetaCodesTable(t *testing.T) {
	prev := 0
	for _, m := range MetaCodes {
		if m.Code <= prev {
			t.Errorf("%d after %d: keep the table in code order, each code once", m.Code, prev)
		}
		prev = m.Code
		if m.Title == "" || m.Advice < Fix || m.Advice > Later {
			t.Errorf("%d: title %q advice %d", m.Code, m.Title, m.Advice)
		}
	}
	for code, want := range map[int]Advice{
		CodeThroughput: Throttle, CodePairRate: PairRate, CodeAccountLocked: StopSender, CodeAccessToken: StopSender,
		CodeEcosystem: Later, CodeMarketingStopped: Fix, CodeServiceUnavailable: Backoff, CodeWindowClosed: Fix,
	} {
		if got, ok := AdviceFor(code); !ok || got != want {
			t.Errorf("AdviceFor(%d) = %v %v, want %v", code, got, ok, want)
		}
	}
	if _, ok := AdviceFor(999999); ok {
		t.Error("an unknown code has advice")
	}
}

func TestMetaCodesPageIsCurrent(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteMetaCodesPage(&buf); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "..", "docs", "meta-error-codes.md")
	if *updatePages {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	have, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(have, buf.Bytes()) {
		t.Fatalf("docs/meta-error-codes.md is out of date (%v): go test ./internal/wire -run MetaCodesPage -update", err)
	}
}
