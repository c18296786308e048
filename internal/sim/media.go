package sim

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wabaguard/wabaguard/internal/wire"
)

// maxMediaFile is the largest upload accepted (Meta's documents may be 100 MB;
// the simulator keeps everything in memory, so it stays smaller).
const maxMediaFile = 16 << 20

type mediaItem struct {
	mime   string
	sha256 string
	data   []byte
}

// mediaStore keeps uploads in memory under a total byte budget.
type mediaStore struct {
	mu    sync.Mutex
	items map[string]*mediaItem
	bytes int64
	limit int64
}

func (m *mediaStore) init(limit int64) { m.items, m.limit = map[string]*mediaItem{}, limit }

func (m *mediaStore) has(id string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.items[id]
	return ok
}

func (m *mediaStore) get(id string) *mediaItem {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.items[id]
}

func (m *mediaStore) put(id string, it *mediaItem) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.bytes+int64(len(it.data)) > m.limit {
		return false
	}
	m.items[id] = it
	m.bytes += int64(len(it.data))
	return true
}

func (m *mediaStore) delete(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if it, ok := m.items[id]; ok {
		m.bytes -= int64(len(it.data))
		delete(m.items, id)
	}
}

func (s *Sim) serveMediaUpload(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxMediaFile+1<<20)
	if err := r.ParseMultipartForm(maxMediaFile); err != nil {
		wire.WriteError(w, wire.Errorf(wire.CodeInvalidParameter, "expected a multipart form with file, type and messaging_product: %v", err))
		return
	}
	if r.MultipartForm != nil {
		defer func() { _ = r.MultipartForm.RemoveAll() }()
	}
	if r.FormValue("messaging_product") != "whatsapp" {
		wire.WriteError(w, wire.NewError(wire.CodeInvalidParameter, "The parameter messaging_product is required."))
		return
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		wire.WriteError(w, wire.NewError(wire.CodeInvalidParameter, "The parameter file is required."))
		return
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxMediaFile+1))
	if err != nil || len(data) > maxMediaFile {
		wire.WriteError(w, wire.Errorf(131053, "Media upload error: file unreadable or larger than %d bytes", maxMediaFile))
		return
	}
	mime := r.FormValue("type")
	if mime == "" {
		mime = hdr.Header.Get("Content-Type")
	}
	if mime == "" {
		wire.WriteError(w, wire.NewError(wire.CodeInvalidParameter, "The parameter type is required."))
		return
	}
	sum := sha256.Sum256(data)
	id := s.newNumericID()
	if !s.media.put(id, &mediaItem{mime: mime, sha256: hex.EncodeToString(sum[:]), data: data}) {
		wire.WriteError(w, wire.NewError(131053, "Media upload error: the simulator's media storage is full"))
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": id})
}

type mediaInfo struct {
	URL              string `json:"url"`
	MimeType         string `json:"mime_type"`
	SHA256           string `json:"sha256"`
	FileSize         string `json:"file_size"`
	ID               string `json:"id"`
	MessagingProduct string `json:"messaging_product"`
}

// MediaURLLifetime is how long a URL answered by GET /{media_id} serves
// the file, as Meta's do.
const MediaURLLifetime = 5 * time.Minute

func (s *Sim) serveMediaInfo(w http.ResponseWriter, r *http.Request, id string) {
	it := s.media.get(id)
	if it == nil {
		wire.WriteError(w, unsupported(r.Method, id))
		return
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	expires := s.clock.Now().Add(MediaURLLifetime).Unix()
	writeJSON(w, http.StatusOK, mediaInfo{
		URL:      scheme + "://" + r.Host + "/sim/media/" + id + "?expires=" + strconv.FormatInt(expires, 10),
		MimeType: it.mime, SHA256: it.sha256, FileSize: strconv.Itoa(len(it.data)),
		ID: id, MessagingProduct: "whatsapp",
	})
}

// serveMediaDownload serves the bytes behind a media URL, Meta's lookaside
// URL equivalent: like Meta it needs the access token in the Authorization
// header (a plain GET of the URL gets nothing), and a URL past its expiry
// answers 404. URLs without an expiry (those in webhooks) do not expire.
func (s *Sim) serveMediaDownload(w http.ResponseWriter, r *http.Request, id string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		wire.WriteError(w, unsupported(r.Method, id))
		return
	}
	if _, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); !ok {
		wire.WriteError(w, &wire.Error{Message: "An active access token must be used to query information about the current user.",
			Type: "OAuthException", Code: wire.CodeAccessToken, HTTPStatus: http.StatusUnauthorized})
		return
	}
	it := s.media.get(id)
	if exp := r.URL.Query().Get("expires"); exp != "" {
		at, err := strconv.ParseInt(exp, 10, 64)
		if err != nil || s.clock.Now().Unix() >= at {
			it = nil
		}
	}
	if it == nil {
		e := unsupported(r.Method, id)
		e.HTTPStatus = http.StatusNotFound
		wire.WriteError(w, e)
		return
	}
	w.Header().Set("Content-Type", it.mime)
	w.Header().Set("Content-Length", strconv.Itoa(len(it.data)))
	if r.Method == http.MethodHead {
		return
	}
	// A write error means the client went away; there is no one to tell.
	_, _ = w.Write(it.data)
}

// InboundMedia is a medium a simulated person sends.
type InboundMedia struct {
	// Type is image, video, audio, document or sticker.
	Type     string
	MimeType string
	Data     []byte
	Caption  string
	// Filename is sent with documents.
	Filename string
}

var inboundMediaTypes = map[string]bool{"image": true, "video": true, "audio": true, "document": true, "sticker": true}

// InboundMedia simulates a user sending a medium to a business number: the
// bytes are stored as a new media id, the 24-hour window opens, and a
// messages webhook is queued carrying the medium's id, mime_type, sha256
// and, when Config.MediaBaseURL is set, its url, as Meta now sends. It
// returns the message's id and the media id.
func (s *Sim) InboundMedia(phoneNumberID, from string, m InboundMedia) (msgID, mediaID string, err error) {
	ns := s.numbers[phoneNumberID]
	if ns == nil {
		return "", "", fmt.Errorf("sim: unknown phone number id %q", phoneNumberID)
	}
	waID := waIDFor(from)
	if waID == "" {
		return "", "", fmt.Errorf("sim: %q is not a phone number", from)
	}
	if !inboundMediaTypes[m.Type] || m.MimeType == "" || len(m.Data) == 0 || len(m.Data) > maxMediaFile {
		return "", "", fmt.Errorf("sim: a medium needs a media type, a MIME type and 1 to %d bytes", maxMediaFile)
	}
	sum := sha256.Sum256(m.Data)
	mediaID = s.newNumericID()
	if !s.media.put(mediaID, &mediaItem{mime: m.MimeType, sha256: hex.EncodeToString(sum[:]), data: m.Data}) {
		return "", "", errors.New("sim: the simulator's media storage is full")
	}
	ns.mu.Lock()
	now := s.clock.Now()
	ns.csw[waID] = now
	if s.cfg.Limits.Throughput {
		ns.meter(now) // inbound messages count against the number's throughput
	}
	msgID = newWamid(ns.rng)
	ns.mu.Unlock()
	obj := map[string]string{"id": mediaID, "mime_type": m.MimeType, "sha256": base64.StdEncoding.EncodeToString(sum[:])}
	if m.Caption != "" {
		obj["caption"] = m.Caption
	}
	if m.Filename != "" && m.Type == "document" {
		obj["filename"] = m.Filename
	}
	if s.mediaBase != "" {
		obj["url"] = s.mediaBase + "/sim/media/" + mediaID
	}
	s.queueInboundMessage(ns, wire.InboundHeader{From: waID, ID: msgID, Timestamp: strconv.FormatInt(now.Unix(), 10), Type: m.Type}, obj, now)
	return msgID, mediaID, nil
}
