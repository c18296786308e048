package wire

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestPostSigned(t *testing.T) {
	t.Parallel()
	secret := []byte("s3cret")
	for _, tc := range []struct {
		status  int
		wantErr bool
	}{{200, false}, {204, false}, {403, true}, {500, true}} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			if !VerifySignature(secret, body, r.Header.Get(SignatureHeader)) || r.Header.Get("Content-Type") != "application/json" {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			w.WriteHeader(tc.status)
			_, _ = io.WriteString(w, strings.Repeat("x", 1<<20)) // never read whole
		}))
		err := PostSigned(context.Background(), srv.Client(), srv.URL, secret, []byte(`{"object":"whatsapp_business_account","entry":[]}`))
		srv.Close()
		if (err != nil) != tc.wantErr {
			t.Errorf("status %d: err = %v, want error %v", tc.status, err, tc.wantErr)
		}
	}
}
