package api

import (
	_ "embed"
	"net/http"

	"github.com/wabaguard/wabaguard/internal/store"
)

// openAPI is the API's description, served as it is stored.
//
//go:embed openapi.json
var openAPI []byte

// OpenAPI returns the OpenAPI 3.1 document of the API.
func OpenAPI() []byte { return openAPI }

func serveOpenAPI(w http.ResponseWriter, _ *http.Request, _ store.Tenant) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openAPI)
}
