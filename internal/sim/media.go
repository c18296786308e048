package sim

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"
	"sync"

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
	writeJSON(w, http.StatusOK, mediaInfo{
		URL:      scheme + "://" + r.Host + "/sim/media/" + id,
		MimeType: it.mime, SHA256: it.sha256, FileSize: strconv.Itoa(len(it.data)),
		ID: id, MessagingProduct: "whatsapp",
	})
}

// serveMediaDownload serves the bytes behind a media URL (Meta's lookaside
// URL equivalent; it also needs the bearer token).
func (s *Sim) serveMediaDownload(w http.ResponseWriter, r *http.Request, id string) {
	it := s.media.get(id)
	if it == nil || r.Method != http.MethodGet {
		wire.WriteError(w, unsupported(r.Method, id))
		return
	}
	w.Header().Set("Content-Type", it.mime)
	w.Header().Set("Content-Length", strconv.Itoa(len(it.data)))
	// A write error means the client went away; there is no one to tell.
	_, _ = w.Write(it.data)
}
