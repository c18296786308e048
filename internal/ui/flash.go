package ui

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
)

// A new API key is shown once, on the page the browser is redirected to
// after the form that created it (post/redirect/get): reloading that page
// must neither make a second key nor show the first again. The key travels
// to that page in a short-lived cookie scoped to the settings page,
// encrypted with a key derived from the session's CSRF token, which lives
// in the store and in the page, never in the cookie jar: a copy of the
// browser's cookies does not give out the API key, and another session
// cannot read it. The page clears the cookie as it shows the key.
const (
	flashCookie = "wg_new_key"
	// flashTTL bounds how long the browser keeps the cookie if the
	// redirect is never followed.
	flashTTL = 120 // seconds
)

var errFlash = errors.New("ui: unreadable flash cookie")

// flashAEAD is AES-256-GCM keyed by the session's CSRF token.
func flashAEAD(csrf string) (cipher.AEAD, error) {
	mac := hmac.New(sha256.New, []byte(csrf))
	mac.Write([]byte("wabaguard new api key flash"))
	block, err := aes.NewCipher(mac.Sum(nil))
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// sealFlash encrypts v for the session whose CSRF token is csrf.
func sealFlash(csrf, v string) (string, error) {
	aead, err := flashAEAD(csrf)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(aead.Seal(nonce, nonce, []byte(v), []byte(flashCookie))), nil
}

// openFlash decrypts what sealFlash made for the same session.
func openFlash(csrf, sealed string) (string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(sealed)
	if err != nil {
		return "", errFlash
	}
	aead, err := flashAEAD(csrf)
	if err != nil {
		return "", err
	}
	if len(raw) < aead.NonceSize() {
		return "", errFlash
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte(flashCookie))
	if err != nil {
		return "", errFlash
	}
	return string(plain), nil
}

func setFlash(w http.ResponseWriter, r *http.Request, value string) {
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: value, Path: Prefix + "/settings", MaxAge: flashTTL,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
}

func clearFlash(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: Prefix + "/settings", MaxAge: -1,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
}

// takeFlash reads and clears the new key meant for this session ("" when
// there is none or it is not this session's).
func takeFlash(w http.ResponseWriter, r *http.Request, sess *session) string {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	clearFlash(w, r)
	v, err := openFlash(sess.csrf, c.Value)
	if err != nil {
		return ""
	}
	return v
}
