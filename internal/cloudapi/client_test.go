package cloudapi

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/wire"
)

const secretToken = "EAAGsecret-token-123"

func TestSend(t *testing.T) {
	tests := []struct {
		name       string
		handler    http.HandlerFunc
		wantID     string
		wantGraph  int // expected wire.Error code, 0 when none
		wantStatus int
		wantRetry  int
		wantHTTP   int // expected HTTPError status
	}{
		{
			name: "accepted",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, `{"messaging_product":"whatsapp","contacts":[{"input":"+15551234","wa_id":"15551234"}],"messages":[{"id":"wamid.X"}]}`)
			},
			wantID: "wamid.X",
		},
		{
			name: "graph throughput error with retry-after",
			handler: func(w http.ResponseWriter, r *http.Request) {
				e := wire.NewError(wire.CodeThroughput, "Cloud API message throughput has been reached.")
				e.RetryAfter = 3
				wire.WriteError(w, e)
			},
			wantGraph: wire.CodeThroughput, wantStatus: 429, wantRetry: 3,
		},
		{
			name: "graph validation error",
			handler: func(w http.ResponseWriter, r *http.Request) {
				wire.WriteError(w, wire.NewError(wire.CodeParameterInvalid, "bad to"))
			},
			wantGraph: wire.CodeParameterInvalid, wantStatus: 400,
		},
		{
			name: "bare 502",
			handler: func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, "bad gateway", http.StatusBadGateway)
			},
			wantHTTP: 502,
		},
		{
			name: "bare 429 with retry-after",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", "7")
				w.WriteHeader(http.StatusTooManyRequests)
			},
			wantHTTP: 429, wantRetry: 7,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var gotAuth, gotPath, gotBody string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				gotAuth = r.Header.Get("Authorization")
				gotPath = r.Method + " " + r.URL.Path
				b, _ := io.ReadAll(r.Body)
				gotBody = string(b)
				tc.handler(w, r)
			}))
			defer srv.Close()
			c := New(srv.URL+"/", "v23.0", srv.Client())
			resp, err := c.Send(context.Background(), secretToken, "1234", []byte(`{"to":"1"}`))
			if gotAuth != "Bearer "+secretToken || gotPath != "POST /v23.0/1234/messages" || gotBody != `{"to":"1"}` {
				t.Fatalf("request = %q %q %q", gotAuth, gotPath, gotBody)
			}
			if err != nil && strings.Contains(err.Error(), secretToken) {
				t.Fatalf("error leaks token: %v", err)
			}
			switch {
			case tc.wantID != "":
				if err != nil || len(resp.Messages) != 1 || resp.Messages[0].ID != tc.wantID || resp.Contacts[0].WaID != "15551234" {
					t.Fatalf("resp=%+v err=%v", resp, err)
				}
			case tc.wantGraph != 0:
				var ge *wire.Error
				if !errors.As(err, &ge) {
					t.Fatalf("want *wire.Error, got %T %v", err, err)
				}
				if ge.Code != tc.wantGraph || ge.HTTPStatus != tc.wantStatus || ge.RetryAfter != tc.wantRetry {
					t.Fatalf("got code=%d status=%d retry=%d", ge.Code, ge.HTTPStatus, ge.RetryAfter)
				}
			default:
				var he *HTTPError
				if !errors.As(err, &he) || he.StatusCode != tc.wantHTTP || he.RetryAfter != tc.wantRetry {
					t.Fatalf("want HTTPError %d retry %d, got %v", tc.wantHTTP, tc.wantRetry, err)
				}
			}
		})
	}
}

func TestSendTransportErrors(t *testing.T) {
	// A server that never answers: the context deadline must end the call
	// with an error that still says it was a deadline.
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(block)
	c := New(srv.URL, "v23.0", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.Send(ctx, secretToken, "1234", []byte(`{}`))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want deadline error, got %v", err)
	}

	// A closed port: a dial error, wrapped, token-free.
	dead := httptest.NewServer(http.NotFoundHandler())
	addr := dead.URL
	dead.Close()
	_, err = New(addr, "v23.0", nil).Send(context.Background(), secretToken, "1234", []byte(`{}`))
	if err == nil || strings.Contains(err.Error(), secretToken) {
		t.Fatalf("want token-free dial error, got %v", err)
	}
}

func TestDo(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Echo", r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery+" "+r.Header.Get("Content-Type")+" "+r.Header.Get("Authorization")+" "+string(b))
		w.WriteHeader(http.StatusTeapot)
	}))
	defer srv.Close()
	c := New(srv.URL, "v23.0", nil)
	resp, err := c.Do(context.Background(), "tok", http.MethodPost, "/waba1/message_templates", url.Values{"limit": {"5"}}, "application/json", strings.NewReader(`{"a":1}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	want := `POST /v23.0/waba1/message_templates?limit=5 application/json Bearer tok {"a":1}`
	if resp.StatusCode != http.StatusTeapot || resp.Header.Get("X-Echo") != want {
		t.Fatalf("got %d %q", resp.StatusCode, resp.Header.Get("X-Echo"))
	}
}

func TestRetryAfter(t *testing.T) {
	for in, want := range map[string]int{"": 0, "5": 5, "-1": 0, "x": 0, " 12 ": 12} {
		if got := retryAfter(in); got != want {
			t.Errorf("retryAfter(%q)=%d want %d", in, got, want)
		}
	}
	if got := retryAfter(time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)); got < 60 || got > 91 {
		t.Errorf("date form: %d", got)
	}
}
