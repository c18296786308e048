package gateway_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/gateway"
	"github.com/wabaguard/wabaguard/internal/mediaurl"
	"github.com/wabaguard/wabaguard/internal/secret"
	"github.com/wabaguard/wabaguard/internal/sim"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// gwClock is the gateway's clock in media tests.
type gwClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *gwClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *gwClock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// mediaEnv is an env whose Meta is the simulator, which accepts only the
// tenants' Meta tokens, with media in it: one a person sent to A's number
// (recorded as A's, as the webhook processor records it) and one nobody
// recorded.
type mediaEnv struct {
	*env
	sim      *sim.Sim
	simClock *sim.ManualClock
	clock    *gwClock
	// override, when set, answers the downloads (/sim/media/) instead of
	// the simulator.
	override atomic.Pointer[http.HandlerFunc]
	inbound  string // A's medium
	stray    string // a medium in Meta nobody recorded
	data     []byte
}

func newMediaEnv(t testing.TB, st testStore, opts ...envOpt) *mediaEnv {
	t.Helper()
	t0 := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	me := &mediaEnv{clock: &gwClock{now: t0}, simClock: sim.NewManualClock(t0)}
	me.env = newEnvOn(t, st, append([]envOpt{func(c *gateway.Config, _ *env) {
		c.Now = me.clock.Now
		box, err := secret.NewBox(secret.NewKey())
		must(t, err)
		c.MediaURLs = mediaurl.New(box, "") // URLs on the request's host
	}}, opts...)...)
	cfg := sim.FastConfig()
	cfg.Clock = me.simClock
	cfg.AccessTokens = []string{"meta-token-tenant-a", "meta-token-tenant-b"}
	cfg.Numbers = []sim.Number{{PhoneNumberID: pnA, WABAID: wabaA}, {PhoneNumberID: pnB, WABAID: wabaB}}
	s, err := sim.New(cfg)
	must(t, err)
	t.Cleanup(s.Close)
	me.sim = s
	h := s.Handler()
	me.upMu.Lock()
	me.upReply = func(w http.ResponseWriter, r *http.Request) {
		if o := me.override.Load(); o != nil && strings.HasPrefix(r.URL.Path, "/sim/media/") {
			(*o)(w, r)
			return
		}
		h.ServeHTTP(w, r)
	}
	me.upMu.Unlock()

	me.data = bytes.Repeat([]byte("photo of a receipt "), 1000)
	_, me.inbound, err = s.InboundMedia(pnA, "5511987654321", sim.InboundMedia{Type: "image", MimeType: "image/jpeg", Data: me.data})
	must(t, err)
	_, me.stray, err = s.InboundMedia(pnB, "5511987654321", sim.InboundMedia{Type: "image", MimeType: "image/png", Data: []byte("stray")})
	must(t, err)
	must(t, me.st.PutObjects(context.Background(), []store.OwnedObject{{ID: me.inbound, TenantID: "tenant-a", Kind: store.ObjectMedia, SenderID: pnA, WABAID: wabaA, CreatedAt: t0}}))
	return me
}

// mediaURL asks for a medium's info as key's tenant and returns the url.
func (me *mediaEnv) mediaURL(t testing.TB, key, id string) string {
	t.Helper()
	r := request(t, me.srv, "GET", "/v23.0/"+id, "", bearer(key))
	if r.status != 200 {
		t.Fatalf("GET media %s = %d %s", id, r.status, r.body)
	}
	var info map[string]string
	must(t, json.Unmarshal(r.body, &info))
	if info["id"] != id || info["mime_type"] == "" || info["sha256"] == "" || info["file_size"] == "" || info["messaging_product"] != "whatsapp" {
		t.Fatalf("media info lost Meta's fields: %s", r.body)
	}
	if r.header.Get("Content-Length") != strconv.Itoa(len(r.body)) {
		t.Errorf("Content-Length %q for a %d-byte answer", r.header.Get("Content-Length"), len(r.body))
	}
	return info["url"]
}

// download GETs a gateway media URL with the given headers.
func (me *mediaEnv) download(t testing.TB, u string, headers map[string]string) response {
	t.Helper()
	path, ok := strings.CutPrefix(u, me.srv.URL)
	if !ok {
		t.Fatalf("media url %q is not on the gateway (%s)", u, me.srv.URL)
	}
	return request(t, me.srv, "GET", path, "", headers)
}

// downloads counts the simulator's media downloads and their tokens.
func (me *mediaEnv) downloads() (n int, auth []string) {
	for _, c := range me.calls() {
		if strings.HasPrefix(c.path, "/sim/media/") {
			n++
			auth = append(auth, c.auth)
		}
	}
	return n, auth
}

// TestMediaThroughTheGateway walks a tenant's media download (issue 7,
// item 3) on both stores: the url in GET /{media_id} points at the gateway
// and hides Meta's; the gateway serves it to the owner alone, with Meta's
// token added (the simulator refuses downloads without it), and answers
// every URL the tenant may not use exactly as Graph answers an unknown
// object.
func TestMediaThroughTheGateway(t *testing.T) {
	t.Parallel()
	for _, eng := range engines {
		t.Run(eng.name, func(t *testing.T) {
			t.Parallel()
			me := newMediaEnv(t, eng.open(t))
			u := me.mediaURL(t, me.keyA, me.inbound)
			if !strings.HasPrefix(u, me.srv.URL+mediaurl.Path) || strings.Contains(u, "/sim/media") || strings.Contains(u, me.inbound) {
				t.Fatalf("url %q is not an opaque gateway URL", u)
			}
			tok := strings.TrimPrefix(u, me.srv.URL+mediaurl.Path)

			// A's URL for a medium A then lost (deleted at Meta through
			// the gateway): the token opens, the registry says no.
			gone := me.mediaURL(t, me.keyA, me.inbound)
			goneTok := strings.TrimPrefix(gone, me.srv.URL+mediaurl.Path)
			forged := []byte(tok)
			forged[len(forged)/2] ^= 1

			wantDownload := func(t *testing.T, r response) {
				t.Helper()
				if r.status != 200 || !bytes.Equal(r.body, me.data) {
					t.Fatalf("download = %d, %d bytes; want 200 and the %d bytes sent", r.status, len(r.body), len(me.data))
				}
				if r.header.Get("Content-Type") != "image/jpeg" || r.header.Get("Content-Length") != strconv.Itoa(len(me.data)) {
					t.Errorf("headers %v, want Meta's Content-Type and Content-Length", r.header)
				}
			}
			cases := []struct {
				name  string
				path  string
				key   string
				check func(t *testing.T, r response)
			}{
				{"owner", u, me.keyA, wantDownload},
				{"owner again, within five minutes", u, me.keyA, wantDownload},
				{"another tenant", u, me.keyB, func(t *testing.T, r response) { wantUnknown(t, r, "GET", tok) }},
				{"forged token", me.srv.URL + mediaurl.Path + string(forged), me.keyA, func(t *testing.T, r response) { wantUnknown(t, r, "GET", string(forged)) }},
				{"not a token", me.srv.URL + mediaurl.Path + "65463453", me.keyA, func(t *testing.T, r response) { wantUnknown(t, r, "GET", "65463453") }},
				{"no key", u, "", func(t *testing.T, r response) { wantErr(t, r, 401, wire.CodeAccessToken) }},
				{"revoked key", u, me.revoked, func(t *testing.T, r response) { wantErr(t, r, 401, wire.CodeAccessToken) }},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					h := map[string]string{}
					if c.key != "" {
						h["Authorization"] = "Bearer " + c.key
					}
					c.check(t, me.download(t, c.path, h))
				})
			}
			n, auth := me.downloads()
			if n != 2 {
				t.Fatalf("%d downloads reached Meta, want the owner's 2", n)
			}
			for _, a := range auth {
				if a != "Bearer meta-token-tenant-a" {
					t.Errorf("download reached Meta with %q, want A's Meta token", a)
				}
			}

			// Media nobody recorded, and B's medium, never get a URL.
			wantUnknown(t, request(t, me.srv, "GET", "/v23.0/"+me.stray, "", bearer(me.keyA)), "GET", me.stray)
			wantUnknown(t, request(t, me.srv, "GET", "/v23.0/"+me.inbound, "", bearer(me.keyB)), "GET", me.inbound)

			// Deleted through the gateway, the medium is forgotten: its
			// URL now answers as a forged one does.
			if r := request(t, me.srv, "DELETE", "/v23.0/"+me.inbound, "", bearer(me.keyA)); r.status != 200 {
				t.Fatalf("DELETE = %d %s", r.status, r.body)
			}
			wantUnknown(t, me.download(t, gone, bearer(me.keyA)), "GET", goneTok)
			if n, _ := me.downloads(); n != 2 {
				t.Errorf("%d downloads reached Meta after the refusals, want 2", n)
			}
		})
	}
}

// TestMediaDownloadFailures covers what can go wrong past the ownership
// check: the URL expires (Meta's five minutes, on the gateway's clock or on
// Meta's), Meta fails, Meta redirects off its host.
func TestMediaDownloadFailures(t *testing.T) {
	t.Parallel()
	elsewhere := atomic.Int64{}
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		elsewhere.Add(1)
		_, _ = io.WriteString(w, "not Meta")
	}))
	t.Cleanup(other.Close)

	cases := []struct {
		name string
		// before runs after the URL is issued and before the download.
		before     func(me *mediaEnv)
		status     int
		code       int // the Graph error code, 0 when the body is Meta's own
		reachMeta  bool
		wantInBody string
	}{
		{"expired on the gateway's clock", func(me *mediaEnv) { me.clock.advance(mediaurl.Lifetime) }, 404, wire.CodeInvalidParameter, false, "does not exist"},
		{"expired at Meta", func(me *mediaEnv) { me.simClock.Advance(sim.MediaURLLifetime) }, 404, wire.CodeInvalidParameter, true, "does not exist"},
		{"Meta fails", func(me *mediaEnv) {
			me.setOverride(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/plain")
				w.WriteHeader(http.StatusInternalServerError)
				_, _ = io.WriteString(w, "lookaside broke")
			})
		}, 500, 0, true, "lookaside broke"},
		{"Meta redirects off its host", func(me *mediaEnv) {
			me.setOverride(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, other.URL+"/steal", http.StatusFound)
			})
		}, 503, wire.CodeTemporary, true, "could not be reached"},
		{"Meta redirects on its host", func(me *mediaEnv) {
			me.setOverride(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Query().Get("moved") == "" {
					http.Redirect(w, r, r.URL.Path+"?moved=1", http.StatusFound)
					return
				}
				w.Header().Set("Content-Type", "image/jpeg")
				_, _ = io.WriteString(w, "moved bytes")
			})
		}, 200, 0, true, "moved bytes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			me := newMediaEnv(t, openStore(t))
			u := me.mediaURL(t, me.keyA, me.inbound)
			c.before(me)
			r := me.download(t, u, bearer(me.keyA))
			if r.status != c.status || !strings.Contains(string(r.body), c.wantInBody) {
				t.Fatalf("download = %d %s, want %d with %q", r.status, r.body, c.status, c.wantInBody)
			}
			if c.code != 0 {
				wantErr(t, r, c.status, c.code)
			}
			if n, _ := me.downloads(); (n > 0) != c.reachMeta {
				t.Errorf("%d downloads reached Meta, want reached=%v", n, c.reachMeta)
			}
		})
	}
	if n := elsewhere.Load(); n != 0 {
		t.Errorf("a redirect off Meta's host was followed %d times", n)
	}
}

func (me *mediaEnv) setOverride(h http.HandlerFunc) { me.override.Store(&h) }

// TestBigMediaIsStreamed proves the gateway relays a download as it
// arrives: Meta holds back the rest of a 32 MiB file until the client has
// read the first MiB through the gateway, which could not happen if the
// gateway buffered the file.
func TestBigMediaIsStreamed(t *testing.T) {
	t.Parallel()
	me := newMediaEnv(t, openStore(t))
	const chunk, chunks = 1 << 20, 32
	block := bytes.Repeat([]byte{0xA5}, chunk)
	firstRead := make(chan struct{})
	me.setOverride(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "video/mp4")
		w.Header().Set("Content-Length", strconv.Itoa(chunk*chunks))
		_, _ = w.Write(block)
		w.(http.Flusher).Flush()
		select {
		case <-firstRead:
		case <-r.Context().Done():
			return
		case <-time.After(20 * time.Second):
			return // the gateway is holding the first MiB back
		}
		for i := 1; i < chunks; i++ {
			if _, err := w.Write(block); err != nil {
				return
			}
		}
	})
	u := me.mediaURL(t, me.keyA, me.inbound)
	req, err := http.NewRequest("GET", u, nil)
	must(t, err)
	req.Header.Set("Authorization", "Bearer "+me.keyA)
	resp, err := me.srv.Client().Do(req)
	must(t, err)
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.ContentLength != chunk*chunks || resp.Header.Get("Content-Type") != "video/mp4" {
		t.Fatalf("download = %d, length %d, type %q", resp.StatusCode, resp.ContentLength, resp.Header.Get("Content-Type"))
	}
	first := make([]byte, chunk)
	if _, err := io.ReadFull(resp.Body, first); err != nil {
		t.Fatalf("first MiB did not arrive before Meta sent the rest: %v", err)
	}
	close(firstRead)
	h := sha256.New()
	h.Write(first)
	n, err := io.Copy(h, resp.Body)
	must(t, err)
	want := sha256.New()
	for range chunks {
		want.Write(block)
	}
	if n+chunk != chunk*chunks || !bytes.Equal(h.Sum(nil), want.Sum(nil)) {
		t.Fatalf("got %d bytes, want %d, same digest %v", n+chunk, chunk*chunks, bytes.Equal(h.Sum(nil), want.Sum(nil)))
	}
}

// BenchmarkMediaDownload streams a 64 MiB file from Meta through the
// gateway to a client on loopback. Bytes allocated per download far below
// the file's size show it is relayed, not held.
func BenchmarkMediaDownload(b *testing.B) {
	me := newMediaEnv(b, openStore(b), func(c *gateway.Config, _ *env) { c.Logger = slog.New(slog.DiscardHandler) })
	const size = 64 << 20
	block := bytes.Repeat([]byte{0x5A}, 1<<20)
	me.setOverride(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "video/mp4")
		w.Header().Set("Content-Length", strconv.Itoa(size))
		for range size / len(block) {
			if _, err := w.Write(block); err != nil {
				return
			}
		}
	})
	u := me.mediaURL(b, me.keyA, me.inbound)
	client := me.srv.Client()
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		req, _ := http.NewRequest("GET", u, nil)
		req.Header.Set("Authorization", "Bearer "+me.keyA)
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || n != size || resp.StatusCode != 200 {
			b.Fatalf("download = %d, %d bytes, %v", resp.StatusCode, n, err)
		}
	}
}

// TestMediaDownloadResumesAndRevalidates checks a client's Range and
// conditional headers reach Meta and Meta's partial and not-modified
// answers come back, so a broken download can resume where Meta allows it.
func TestMediaDownloadResumesAndRevalidates(t *testing.T) {
	t.Parallel()
	me := newMediaEnv(t, openStore(t))
	file := []byte("0123456789abcdefghijklmnopqrstuvwxyz")
	me.setOverride(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("ETag", `"v1"`)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(file))
	})
	u := me.mediaURL(t, me.keyA, me.inbound)
	for _, c := range []struct {
		name, header, value string
		status              int
		body                string
		contentRange        string
	}{
		{"whole file", "", "", 200, string(file), ""},
		{"a range", "Range", "bytes=10-19", 206, "abcdefghij", "bytes 10-19/36"},
		{"the rest", "Range", "bytes=30-", 206, "uvwxyz", "bytes 30-35/36"},
		{"unchanged", "If-None-Match", `"v1"`, 304, "", ""},
		{"changed", "If-None-Match", `"v0"`, 200, string(file), ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := bearer(me.keyA)
			if c.header != "" {
				h[c.header] = c.value
			}
			r := me.download(t, u, h)
			if r.status != c.status || string(r.body) != c.body || r.header.Get("Content-Range") != c.contentRange {
				t.Fatalf("= %d %q (Content-Range %q), want %d %q (%q)", r.status, r.body, r.header.Get("Content-Range"), c.status, c.body, c.contentRange)
			}
			if r.header.Get("ETag") != `"v1"` {
				t.Errorf("ETag %q not relayed", r.header.Get("ETag"))
			}
		})
	}
}

// TestStalledMediaDownloadIsBounded: Meta accepting the connection and
// never answering holds a download only until the gateway's bound, then the
// client gets code 2 and Meta's side of the request is cancelled.
func TestStalledMediaDownloadIsBounded(t *testing.T) {
	t.Parallel()
	me := newMediaEnv(t, openStore(t), func(c *gateway.Config, _ *env) { c.MediaTimeout = 300 * time.Millisecond })
	cancelled := make(chan struct{})
	me.setOverride(func(_ http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
		close(cancelled)
	})
	u := me.mediaURL(t, me.keyA, me.inbound)
	wantErr(t, me.download(t, u, bearer(me.keyA)), 503, wire.CodeTemporary)
	select {
	case <-cancelled:
	case <-time.After(10 * time.Second):
		t.Fatal("the stalled request to Meta was not cancelled")
	}
}
