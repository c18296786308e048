package wire

import (
	"crypto/rand"
	"encoding/base64"
)

// NewMessageID returns a fresh message id shaped like Meta's:
// "wamid." followed by base64. The gateway issues its own at acceptance.
func NewMessageID() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	b[0], b[1], b[2] = 0x1c, 0x18, 0x0b // Meta's ids start "HBgL"
	return "wamid." + base64.StdEncoding.EncodeToString(b[:])
}
