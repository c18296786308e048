package gateway

import (
	"net/http"
	"regexp"

	"github.com/wabaguard/wabaguard/internal/mediaurl"
)

// versionRE is the shape of a Graph API version path segment.
var versionRE = regexp.MustCompile(`^v\d+\.\d+$`)

// routes registers the Graph surface. Versioned and unversioned forms are
// both served, as Graph does (an unversioned call uses the app's default
// version). Patterns differ in segment count or in a literal edge, so none
// conflict; the versioned node routes check the version themselves because
// a pattern cannot.
func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()

	mux.HandleFunc("POST /{version}/{phone_number_id}/messages", s.handleSend)
	mux.HandleFunc("POST /{phone_number_id}/messages", s.handleSend)

	mux.HandleFunc("POST /{version}/{phone_number_id}/media", s.handleMediaUpload)
	mux.HandleFunc("POST /{phone_number_id}/media", s.handleMediaUpload)

	for _, m := range []string{"GET", "POST", "DELETE"} {
		mux.HandleFunc(m+" /{version}/{waba_id}/message_templates", s.handleTemplates)
		mux.HandleFunc(m+" /{waba_id}/message_templates", s.handleTemplates)
	}

	s.edgeRoutes(mux)

	mux.HandleFunc("GET /{version}/{node_id}", s.handleNode)
	mux.HandleFunc("GET /{node_id}", s.handleNode)
	mux.HandleFunc("DELETE /{version}/{node_id}", s.handleNode)
	mux.HandleFunc("DELETE /{node_id}", s.handleNode)

	// Everything else is a path Graph does not know.
	mux.HandleFunc("/", s.handleUnknown)
	return mux
}

// withMedia serves media downloads, at the URLs GET /{media_id} answers,
// ahead of the Graph routes: the download path would overlap the
// unversioned edges (/{id}/message_templates) in one mux, so it gets a mux
// of its own in front.
func (s *Server) withMedia(graph http.Handler) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+mediaurl.Path+"{token}", s.handleMediaDownload)
	mux.Handle("/", graph)
	return mux
}

// checkVersion answers Graph's error for a malformed version segment and
// reports whether the request may proceed. Unversioned routes have no
// version wildcard and always pass.
func checkVersion(w http.ResponseWriter, r *http.Request) bool {
	v := r.PathValue("version")
	if v == "" || versionRE.MatchString(v) {
		return true
	}
	writeError(w, unknownPath(r))
	return false
}

func (s *Server) handleUnknown(w http.ResponseWriter, r *http.Request) {
	writeError(w, unknownPath(r))
}
