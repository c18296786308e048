package classifier

import (
	_ "embed" // the built-in model
	"fmt"
	"sync"
)

// builtinModel is the built-in model, generated from testdata/train.jsonl
// by `go test ./internal/content/classifier -run TestBuiltinModel -update`.
//
//go:embed builtin.model
var builtinModel []byte

// Builtin returns the model embedded in the binary, the one every tenant
// uses until it trains its own.
var Builtin = sync.OnceValue(func() *Model {
	m, err := Decode(builtinModel)
	if err != nil {
		// The file is generated and checked by a test: a binary that
		// cannot read it was built from a broken tree.
		panic(fmt.Sprintf("classifier: the embedded model is unreadable: %v", err))
	}
	return m
})
