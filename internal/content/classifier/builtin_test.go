package classifier

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "regenerate builtin.model and docs/content-classifier.md from testdata")

// dataset is testdata/train.jsonl, parsed once.
var dataset = sync.OnceValues(func() ([]Example, error) {
	f, err := os.Open(filepath.Join("testdata", "train.jsonl"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ParseTrainingFile(f)
})

func examples(t testing.TB) (train, heldOut []Example) {
	t.Helper()
	all, err := dataset()
	if err != nil {
		t.Fatalf("testdata: %v", err)
	}
	return Split(all)
}

// fresh trains the built-in model from testdata as the code stands, named
// as the embedded one when their counts agree (so regenerating an
// unchanged model changes no byte), else after today.
func fresh(t testing.TB) *Model {
	t.Helper()
	train, _ := examples(t)
	m := trainBuiltin("builtin-"+time.Now().UTC().Format("2006-01-02"), train)
	if old, err := Decode(builtinModel); err == nil && sameCounts(old, m) {
		m.name = old.name
	}
	return m
}

// TestBuiltinModel fails when the embedded model is not what the data and
// the code train; -update rewrites it.
func TestBuiltinModel(t *testing.T) {
	m := fresh(t)
	want, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if *update && !bytes.Equal(want, builtinModel) {
		if err := os.WriteFile("builtin.model", want, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote builtin.model (%s, %d bytes): rebuild to embed it", m.Name(), len(want))
		return
	}
	if !bytes.Equal(want, builtinModel) {
		t.Fatal("the embedded builtin.model is stale relative to testdata and the code: run go test ./internal/content/classifier -run TestBuiltinModel -update")
	}
	if Builtin().Name() != m.Name() || !sameCounts(Builtin(), m) {
		t.Fatalf("Builtin() = %s, want %s", Builtin().Name(), m.Name())
	}
}

// TestClassifierPage fails when docs/content-classifier.md does not hold
// the figures of the model testdata trains; -update rewrites it.
func TestClassifierPage(t *testing.T) {
	m := fresh(t)
	_, heldOut := examples(t)
	var buf bytes.Buffer
	if err := WritePage(&buf, m, heldOut); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "..", "..", "docs", "content-classifier.md")
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	have, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/content/classifier -run TestClassifierPage -update)", err)
	}
	if !bytes.Equal(have, buf.Bytes()) {
		t.Fatal("docs/content-classifier.md is out of date: run go test ./internal/content/classifier -run TestClassifierPage -update")
	}
}
