package cloudapi

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/wabaguard/wabaguard/internal/wire"
)

func TestListTemplates(t *testing.T) {
	const pages = 3
	tests := []struct {
		name      string
		handler   func(t *testing.T) http.HandlerFunc
		wantNames int
		wantGraph int
		wantErr   bool
	}{
		{"every page, by cursor", func(t *testing.T) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/v23.0/555/message_templates" || r.Header.Get("Authorization") != "Bearer "+secretToken ||
					r.URL.Query().Get("fields") != "name,language,status" || r.URL.Query().Get("limit") == "" {
					t.Errorf("request %s %v %q", r.URL.Path, r.URL.Query(), r.Header.Get("Authorization"))
				}
				page := 0
				if a := r.URL.Query().Get("after"); a != "" {
					page, _ = strconv.Atoi(a)
				}
				next := ""
				if page+1 < pages {
					// Never followed: the client asks its own base URL.
					next = "https://elsewhere.example/next"
				}
				fmt.Fprintf(w, `{"data":[{"id":"%d","name":"t%d","language":"en","status":"APPROVED"},{"id":"x%d","name":"u%d","language":"pt_BR","status":"PAUSED"}],
					"paging":{"cursors":{"before":"b","after":"%d"},"next":%q}}`, page, page, page, page, page+1, next)
			}
		}, 2 * pages, 0, false},
		{"an empty WABA", func(t *testing.T) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{"data":[],"paging":{"cursors":{}}}`) }
		}, 0, 0, false},
		{"a cursor that never moves ends the listing", func(t *testing.T) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprint(w, `{"data":[{"id":"1","name":"a","language":"en"}],"paging":{"cursors":{"after":"same"},"next":"x"}}`)
			}
		}, 2, 0, false},
		{"a Graph error", func(t *testing.T) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				wire.WriteError(w, wire.NewError(wire.CodeWABARateLimit, "Too many calls"))
			}
		}, 0, wire.CodeWABARateLimit, true},
		{"not JSON", func(t *testing.T) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `<html>`) }
		}, 0, 0, true},
		{"cursors without end", func(t *testing.T) http.HandlerFunc {
			n := 0
			return func(w http.ResponseWriter, r *http.Request) {
				n++
				fmt.Fprintf(w, `{"data":[{"id":"1","name":"a","language":"en"}],"paging":{"cursors":{"after":"c%d"},"next":"x"}}`, n)
			}
		}, 0, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler(t))
			defer srv.Close()
			c := New(srv.URL, "v23.0", srv.Client())
			ts, err := c.ListTemplates(t.Context(), secretToken, "555", []string{"name", "language", "status"})
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			var we *wire.Error
			if tc.wantGraph != 0 && (!errors.As(err, &we) || we.Code != tc.wantGraph) {
				t.Errorf("err = %v, want Graph code %d", err, tc.wantGraph)
			}
			if len(ts) != tc.wantNames {
				t.Errorf("%d templates, want %d", len(ts), tc.wantNames)
			}
		})
	}
}
