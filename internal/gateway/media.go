package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/wabaguard/wabaguard/internal/mediaurl"
	"github.com/wabaguard/wabaguard/internal/store"
)

// DefaultMediaTimeout bounds one media download from the upstream, body
// included: Meta's largest media (100 MB documents) at a modest rate.
const DefaultMediaTimeout = 10 * time.Minute

// mediaInfoLimit bounds the media info answer the gateway reads to rewrite
// its url; Meta's is a few hundred bytes.
const mediaInfoLimit = 64 << 10

// mediaErrorLimit bounds how much of an upstream's error answer to a
// download is relayed.
const mediaErrorLimit = 64 << 10

// mediaAnswerGrace is how long past the download's bound the gateway may
// still take to write its answer.
const mediaAnswerGrace = 10 * time.Second

// maxMediaRedirects bounds the redirects a download follows, all on the
// host the upstream named.
const maxMediaRedirects = 5

// mediaHeaders are the upstream's headers a download relays: what the
// client needs to store the file, resume it or revalidate it, nothing about
// the connection or Meta.
var mediaHeaders = []string{"Content-Type", "Content-Disposition", "ETag", "Last-Modified", "Accept-Ranges", "Content-Range"}

// mediaRequestHeaders are the client's headers a download passes to the
// upstream, so that a broken download can resume and a cached one be
// revalidated where the upstream supports it.
var mediaRequestHeaders = []string{"Range", "If-Range", "If-None-Match", "If-Modified-Since"}

// newMediaClient returns the client downloads go through: no overall
// timeout (the request's context bounds it, body included), a bound on
// waiting for the answer's headers, and redirects followed only on the
// scheme and host the upstream URL named, so a download never carries
// Meta's token anywhere else.
func newMediaClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.ResponseHeaderTimeout = 30 * time.Second
	tr.MaxIdleConnsPerHost = 32
	// Relay the bytes as Meta sends them, without asking for and undoing
	// a compression of media that rarely compresses.
	tr.DisableCompression = true
	return &http.Client{Transport: tr, CheckRedirect: sameOrigin}
}

// sameOrigin is a CheckRedirect that stays on the first request's scheme
// and host.
func sameOrigin(req *http.Request, via []*http.Request) error {
	if len(via) >= maxMediaRedirects {
		return errors.New("too many redirects")
	}
	first := via[0].URL
	if req.URL.Scheme != first.Scheme || req.URL.Host != first.Host {
		return errors.New("redirect leaves the upstream's host")
	}
	return nil
}

// requestBase is the scheme and host a request reached the gateway at, for
// URLs when no public URL is configured.
func requestBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// relayMediaInfo passes GET /{media_id} through and rewrites the url in
// Meta's answer to a gateway media URL issued to the tenant, valid as long
// as Meta's own (mediaurl.Lifetime). Any other answer is relayed as it is.
func (s *Server) relayMediaInfo(w http.ResponseWriter, r *http.Request, tenantID, id string, snd store.Sender, q url.Values) {
	ctx := r.Context()
	if s.upstream == nil {
		writeError(w, errUpstream())
		return
	}
	resp, err := s.upstream.Do(ctx, s.tokenFor(snd), http.MethodGet, "/"+id, q, "", nil)
	if err != nil {
		if ctx.Err() == nil {
			s.log.WarnContext(ctx, "gateway: media info failed", "err", err, "media", id)
			writeError(w, errUpstream())
		}
		return
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, mediaInfoLimit+1))
	if err != nil || len(body) > mediaInfoLimit {
		if ctx.Err() == nil {
			s.log.WarnContext(ctx, "gateway: media info answer unreadable or too big", "err", err, "media", id, "limit", mediaInfoLimit)
			writeError(w, errUpstream())
		}
		return
	}
	if resp.StatusCode/100 == 2 {
		body, err = s.rewriteMediaInfo(body, tenantID, id, requestBase(r))
		if err != nil {
			s.log.ErrorContext(ctx, "gateway: media URL could not be issued", "err", err, "media", id)
			writeError(w, errInternal())
			return
		}
	}
	copyHeaders(w.Header(), resp.Header)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(body)
}

// rewriteMediaInfo replaces the url of a media info answer with a gateway
// URL; the rest of Meta's answer is kept byte for byte.
func (s *Server) rewriteMediaInfo(body []byte, tenantID, id, fallbackBase string) ([]byte, error) {
	var v struct {
		URL json.RawMessage `json:"url"`
	}
	if json.Unmarshal(body, &v) != nil || len(v.URL) == 0 {
		return body, nil
	}
	var upstream string
	if json.Unmarshal(v.URL, &upstream) != nil || upstream == "" {
		return body, nil
	}
	u, err := s.media.URL(mediaurl.Claims{
		TenantID: tenantID, MediaID: id, Upstream: upstream,
		Expires: s.now().Add(mediaurl.Lifetime).Unix(),
	}, fallbackBase)
	if err != nil {
		return nil, err
	}
	return mediaurl.ReplaceString(body, v.URL, u), nil
}

// handleMediaDownload serves GET {public_url}/media/{token}: the bytes of a
// medium the tenant owns, streamed from the upstream URL sealed in the token
// with the owning number's Meta token. The caller authenticates with its
// API key, as Meta's media URLs need Meta's token. A token that does not
// open, was issued to another tenant, or names media the tenant no longer
// owns gets Graph's answer for an object that does not exist, the same for
// all three; an expired one gets 404, as Meta answers for its expired URLs.
func (s *Server) handleMediaDownload(w http.ResponseWriter, r *http.Request) {
	tok := r.PathValue("token")
	tenant, gerr := s.authenticate(r)
	if gerr != nil {
		writeAuthError(w, gerr)
		return
	}
	ctx := r.Context()
	c, err := s.media.Open(tok)
	if err != nil || c.TenantID != tenant.ID {
		writeError(w, unknownObject(r.Method, tok))
		return
	}
	if c.Expired(s.now()) {
		e := unknownObject(r.Method, tok)
		e.HTTPStatus = http.StatusNotFound
		writeError(w, e)
		return
	}
	obj, ok, err := s.owns(ctx, tenant.ID, c.MediaID)
	if err != nil {
		s.log.ErrorContext(ctx, "gateway: ownership lookup failed", "err", err, "media", c.MediaID)
		writeError(w, errInternal())
		return
	}
	if !ok || obj.kind != store.ObjectMedia {
		writeError(w, unknownObject(r.Method, tok))
		return
	}
	s.streamMedia(w, r, c, obj.sender)
}

// streamMedia fetches the upstream URL with the sender's Meta token and
// copies the answer to w as it arrives, never holding the file.
func (s *Server) streamMedia(w http.ResponseWriter, r *http.Request, c mediaurl.Claims, snd store.Sender) {
	ctx, cancel := context.WithTimeout(r.Context(), s.mediaTimeout)
	defer cancel()
	// The server's write timeout is sized for API calls; a large file gets
	// the download's own bound instead, with time left to answer when Meta
	// used it all.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(s.mediaTimeout + mediaAnswerGrace))

	method := http.MethodGet
	if r.Method == http.MethodHead {
		method = http.MethodHead
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Upstream, nil)
	if err != nil {
		s.log.ErrorContext(ctx, "gateway: sealed media URL unusable", "err", err, "media", c.MediaID)
		writeError(w, errInternal())
		return
	}
	if tok := s.tokenFor(snd); tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for _, k := range mediaRequestHeaders {
		if v := r.Header.Get(k); v != "" {
			req.Header.Set(k, v)
		}
	}
	resp, err := s.mediaClient.Do(req)
	if err != nil {
		if r.Context().Err() == nil {
			// The error names the upstream URL; log only the media id.
			s.log.WarnContext(ctx, "gateway: media download failed", "media", c.MediaID, "timeout", ctx.Err() != nil)
			writeError(w, errUpstream())
		}
		return
	}
	defer resp.Body.Close()
	h := w.Header()
	if resp.StatusCode/100 != 2 && resp.StatusCode != http.StatusNotModified {
		// Meta's answer (404 once its URL expired) is relayed, bounded.
		body, _ := io.ReadAll(io.LimitReader(resp.Body, mediaErrorLimit))
		if ct := resp.Header.Get("Content-Type"); ct != "" {
			h.Set("Content-Type", ct)
		}
		h.Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(resp.StatusCode)
		_, _ = w.Write(body)
		return
	}
	for _, k := range mediaHeaders {
		if v := resp.Header.Get(k); v != "" {
			h.Set(k, v)
		}
	}
	if resp.ContentLength >= 0 && resp.StatusCode != http.StatusNotModified {
		h.Set("Content-Length", strconv.FormatInt(resp.ContentLength, 10))
	}
	w.WriteHeader(resp.StatusCode)
	n, err := io.Copy(w, resp.Body)
	if err != nil && r.Context().Err() == nil {
		s.log.WarnContext(ctx, "gateway: media download interrupted", "err", err, "media", c.MediaID, "bytes", n)
	}
}
