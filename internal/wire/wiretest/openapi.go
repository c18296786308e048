// Package wiretest lets tests check the gateway's Graph responses against
// Meta's published OpenAPI specification of the Business Messaging API.
package wiretest

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// SpecFile is the specification's path relative to the wire package.
const SpecFile = "testdata/meta/openapi/business-messaging-api_v23.0.yaml"

// errorSchema is the generic Graph error body. Many operations, the send
// endpoint among them, document only their 200 answer, so error bodies are
// checked against the schema every other operation refers to.
const errorSchema = "GraphAPIError"

var (
	specOnce sync.Once
	spec     *openapi3.T
	specErr  error
)

// Spec loads the specification once per test binary. The whole document is
// never validated: Meta's own examples break some of its patterns and its
// node-id paths conflict with each other.
func Spec(t testing.TB) *openapi3.T {
	t.Helper()
	specOnce.Do(func() {
		// The spec lives beside the wire package's sources; the caller's
		// working directory is whichever package is under test.
		_, file, _, ok := runtime.Caller(0)
		if !ok {
			specErr = fmt.Errorf("wiretest: cannot locate own source file")
			return
		}
		path := filepath.Join(filepath.Dir(file), "..", filepath.FromSlash(SpecFile))
		spec, specErr = openapi3.NewLoader().LoadFromFile(path)
		if specErr != nil {
			specErr = fmt.Errorf("wiretest: load %s: %w", path, specErr)
		}
	})
	if specErr != nil {
		t.Fatal(specErr)
	}
	return spec
}

// ValidateResponse fails t unless body is valid against the response schema
// the specification gives for method and path with status. path may be the
// specification's template ("/{Version}/{Phone-Number-ID}/messages") or a
// concrete request path ("/v23.0/1234/messages"). An error status the
// operation does not document is checked against the generic Graph error.
func ValidateResponse(t testing.TB, method, path string, status int, body []byte) {
	t.Helper()
	doc := Spec(t)
	tmpl, item := findPath(doc, path)
	if item == nil {
		t.Fatalf("wiretest: no path in the specification matches %s", path)
		return
	}
	op := item.GetOperation(strings.ToUpper(method))
	if op == nil {
		t.Fatalf("wiretest: %s %s is not in the specification", method, tmpl)
		return
	}
	var schema *openapi3.SchemaRef
	if ref := op.Responses.Status(status); ref != nil && ref.Value != nil {
		if mt := ref.Value.Content.Get("application/json"); mt != nil {
			schema = mt.Schema
		}
	}
	if schema == nil && status >= 400 {
		schema = doc.Components.Schemas[errorSchema]
	}
	if schema == nil || schema.Value == nil {
		t.Fatalf("wiretest: %s %s documents no JSON body for status %d", method, tmpl, status)
		return
	}
	if err := validate(doc, schema.Value, body); err != nil {
		t.Errorf("wiretest: %s %s %d: %v\nbody: %s", method, tmpl, status, err, body)
	}
}

// ValidateSchema fails t unless body is valid against the named schema of
// the specification's components.
func ValidateSchema(t testing.TB, name string, body []byte) {
	t.Helper()
	doc := Spec(t)
	ref := doc.Components.Schemas[name]
	if ref == nil || ref.Value == nil {
		t.Fatalf("wiretest: no schema %q in the specification", name)
		return
	}
	if err := validate(doc, ref.Value, body); err != nil {
		t.Errorf("wiretest: schema %s: %v\nbody: %s", name, err, body)
	}
}

func validate(doc *openapi3.T, s *openapi3.Schema, body []byte) error {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("body is not JSON: %w", err)
	}
	return doc.ValidateSchemaJSON(s, v, openapi3.VisitAsResponse(), openapi3.MultiErrors())
}

// findPath matches path against the specification's path templates. When
// several templates match a concrete path, Graph's node-id paths being
// ambiguous, the one with the fewest variables wins: a literal segment is
// more specific than "{Node-ID}".
func findPath(doc *openapi3.T, path string) (string, *openapi3.PathItem) {
	if item := doc.Paths.Value(path); item != nil {
		return path, item
	}
	want := strings.Split(strings.Trim(path, "/"), "/")
	best, bestVars := "", -1
	var bestItem *openapi3.PathItem
	for tmpl, item := range doc.Paths.Map() {
		segs := strings.Split(strings.Trim(tmpl, "/"), "/")
		if len(segs) != len(want) {
			continue
		}
		vars, ok := 0, true
		for i, s := range segs {
			if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
				vars++
				continue
			}
			if s != want[i] {
				ok = false
				break
			}
		}
		if ok && (bestVars < 0 || vars < bestVars || (vars == bestVars && tmpl < best)) {
			best, bestVars, bestItem = tmpl, vars, item
		}
	}
	return best, bestItem
}
