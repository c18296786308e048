package api

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

func loadDoc(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(OpenAPI())
	if err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.json is not a valid document: %v", err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Fatalf("openapi.json is version %s, want 3.1", doc.OpenAPI)
	}
	return doc
}

// The document describes exactly the routes the server registers.
func TestOpenAPIRoutes(t *testing.T) {
	t.Parallel()
	doc := loadDoc(t)
	var registered, documented []string
	for _, rt := range (&Server{}).routes() {
		registered = append(registered, rt.method+" "+Prefix+rt.path)
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			documented = append(documented, method+" "+path)
			// Public routes, and only they, lift the key requirement.
			public := op.Security != nil && len(*op.Security) == 0
			want := path == Prefix+"/openapi.json"
			if public != want {
				t.Errorf("%s %s: public in the document = %v, want %v", method, path, public, want)
			}
		}
	}
	slices.Sort(registered)
	slices.Sort(documented)
	if !slices.Equal(registered, documented) {
		t.Errorf("routes and document differ:\nregistered %s\ndocumented %s", strings.Join(registered, ", "), strings.Join(documented, ", "))
	}
}

// Every example in the document validates against the schema it sits
// beside, so the examples a reader copies are right.
func TestOpenAPIExamples(t *testing.T) {
	t.Parallel()
	doc := loadDoc(t)
	type example struct {
		where  string
		schema *openapi3.SchemaRef
		value  any
	}
	var all []example
	add := func(where string, mt *openapi3.MediaType) {
		if mt == nil {
			return
		}
		if mt.Example != nil {
			all = append(all, example{where, mt.Schema, mt.Example})
		}
		for name, ex := range mt.Examples {
			all = append(all, example{where + " " + name, mt.Schema, ex.Value.Value})
		}
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.RequestBody != nil {
				for ct, mt := range op.RequestBody.Value.Content {
					add(method+" "+path+" request "+ct, mt)
				}
			}
			for status, ref := range op.Responses.Map() {
				for ct, mt := range ref.Value.Content {
					add(method+" "+path+" "+status+" "+ct, mt)
				}
			}
		}
	}
	if len(all) < 12 {
		t.Fatalf("only %d examples found; the walk missed some", len(all))
	}
	for _, ex := range all {
		// Round-trip through JSON so numbers are float64 as in a body.
		b, err := json.Marshal(ex.value)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		if err := ex.schema.Value.VisitJSON(v, openapi3.EnableJSONSchema2020()); err != nil {
			t.Errorf("%s: example does not validate: %v", ex.where, err)
		}
	}

	// The check bites: a wrong example is refused.
	bad := map[string]any{"number": "+5511987654321", "action": "maybe", "category": "marketing", "source": "api"}
	if err := doc.Components.Schemas["ConsentRequest"].Value.VisitJSON(bad, openapi3.EnableJSONSchema2020()); err == nil {
		t.Error("ConsentRequest accepts an unknown action")
	}
}
