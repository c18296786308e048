// Package mediaurl makes the media URLs a tenant receives point at the
// gateway instead of at Meta's lookaside host, which only answers Meta's
// token. A gateway media URL is opaque: it carries, sealed with AES-GCM
// under a key only the gateway's replicas share, the tenant it was issued
// to, the media id and the upstream URL. Nobody can read the upstream URL
// out of it or forge one, and a URL issued to one tenant opens nothing for
// another.
package mediaurl

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Path is where the gateway serves downloads: Path + token.
const Path = "/media/"

// Lifetime is how long a URL answered by GET /{media_id} stays valid, as
// Meta's own media URLs do (5 minutes).
const Lifetime = 5 * time.Minute

// maxToken bounds a token the gateway tries to open; a sealed lookaside URL
// is a few hundred characters.
const maxToken = 4096

// purpose is sealed with every token, so that nothing else sealed under
// the same key (a secret at rest) opens as a media token.
const purpose = "wabaguard-media-url-v1\n"

// ErrInvalid is returned for a token that is malformed, forged, sealed under
// a key the gateway no longer has, or not a media token.
var ErrInvalid = errors.New("mediaurl: invalid token")

// Sealer seals and opens tokens; secret.Keyring and secret.Box satisfy it.
type Sealer interface {
	Seal(plaintext []byte) ([]byte, error)
	Open(ciphertext []byte) ([]byte, error)
}

// Claims is what a token carries.
type Claims struct {
	// TenantID is the tenant the URL was issued to.
	TenantID string `json:"t"`
	// MediaID is Graph's media id.
	MediaID string `json:"m"`
	// Upstream is the URL Meta answered, to be fetched with Meta's token.
	Upstream string `json:"u"`
	// Expires is when the gateway stops serving the URL (Unix seconds); 0
	// leaves expiry to the upstream alone.
	Expires int64 `json:"e,omitempty"`
}

// Expired reports whether c is past its expiry at now.
func (c Claims) Expired(now time.Time) bool {
	return c.Expires != 0 && now.Unix() >= c.Expires
}

// Issuer issues and opens gateway media URLs.
type Issuer struct {
	sealer Sealer
	base   string
}

// New returns an Issuer sealing with sealer. base is the gateway's public
// URL (e.g. "https://wa.example.com"); when empty, callers pass the base of
// the request being answered to URL.
func New(sealer Sealer, base string) *Issuer {
	return &Issuer{sealer: sealer, base: strings.TrimRight(base, "/")}
}

// Base is the public URL the issuer was given, "" when none.
func (i *Issuer) Base() string { return i.base }

// URL seals c into a gateway media URL. fallbackBase is used when the
// issuer has no base of its own.
func (i *Issuer) URL(c Claims, fallbackBase string) (string, error) {
	tok, err := i.Token(c)
	if err != nil {
		return "", err
	}
	base := i.base
	if base == "" {
		base = strings.TrimRight(fallbackBase, "/")
	}
	return base + Path + tok, nil
}

// Token seals c into the opaque last path segment of a media URL.
func (i *Issuer) Token(c Claims) (string, error) {
	if c.TenantID == "" || c.MediaID == "" || c.Upstream == "" {
		return "", errors.New("mediaurl: claims need a tenant, a media id and an upstream URL")
	}
	js, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("mediaurl: encode claims: %w", err)
	}
	sealed, err := i.sealer.Seal(append([]byte(purpose), js...))
	if err != nil {
		return "", fmt.Errorf("mediaurl: seal: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(sealed), nil
}

// Open returns the claims of a token, or ErrInvalid.
func (i *Issuer) Open(token string) (Claims, error) {
	if token == "" || len(token) > maxToken {
		return Claims{}, ErrInvalid
	}
	sealed, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return Claims{}, ErrInvalid
	}
	plain, err := i.sealer.Open(sealed)
	if err != nil {
		return Claims{}, ErrInvalid
	}
	js, ok := bytes.CutPrefix(plain, []byte(purpose))
	if !ok {
		return Claims{}, ErrInvalid
	}
	var c Claims
	if json.Unmarshal(js, &c) != nil || c.TenantID == "" || c.MediaID == "" || c.Upstream == "" {
		return Claims{}, ErrInvalid
	}
	return c, nil
}

// ReplaceString replaces, in the JSON document doc, every occurrence of the
// JSON string token raw (as it appears in doc, quotes included) with the
// JSON encoding of s. Everything else in doc stays byte for byte, so a
// webhook keeps its field order and escapes.
func ReplaceString(doc, raw []byte, s string) []byte {
	q, _ := json.Marshal(s) // a string always encodes
	return bytes.ReplaceAll(doc, raw, q)
}
