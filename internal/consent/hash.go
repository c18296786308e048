package consent

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"strconv"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
)

// The chain's encoding, version 1 (docs/consent-ledger.md has it for
// auditors, with a test vector that TestHashVector pins).
//
// A record's hash is the lowercase hex SHA-256 of the concatenation of ten
// length-prefixed fields, each a 4-byte big-endian byte length followed by
// the field's UTF-8 bytes:
//
//	"wabaguard-consent-v1", tenant, seq (decimal), at, contact_key,
//	action, category, source, evidence_digest, prev_hash
//
// where at is the record's time in UTC, "2006-01-02T15:04:05.000Z", and
// prev_hash is the hash of the record before, or GenesisHash for seq 1.
// Length prefixes make the encoding injective: no two different records
// encode to the same bytes, whatever their fields contain.
const (
	hashDomain = "wabaguard-consent-v1"
	// GenesisHash is the prev_hash of every tenant's first record.
	GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"
	// TimeLayout is how a record's time enters its hash and an export.
	TimeLayout = "2006-01-02T15:04:05.000Z"
)

// RecordHash computes a record's hash from its fields (its own Hash is
// ignored).
func RecordHash(r store.ConsentRecord) string {
	h := sha256.New()
	writeFields(h, hashDomain, r.TenantID, strconv.FormatInt(r.Seq, 10), FormatTime(r.At),
		r.ContactKey, r.Action, r.Category, r.Source, r.EvidenceDigest, r.PrevHash)
	return hex.EncodeToString(h.Sum(nil))
}

// FormatTime renders t as it enters a hash: UTC, milliseconds.
func FormatTime(t time.Time) string { return t.UTC().Truncate(time.Millisecond).Format(TimeLayout) }

// EvidenceDigest is the digest the chain keeps of a record's personal data.
func EvidenceDigest(personal []byte) string {
	if personal == nil {
		return ""
	}
	s := sha256.Sum256(personal)
	return hex.EncodeToString(s[:])
}

func writeFields(h hash.Hash, fields ...string) {
	var n [4]byte
	for _, f := range fields {
		binary.BigEndian.PutUint32(n[:], uint32(len(f)))
		h.Write(n[:])
		h.Write([]byte(f))
	}
}

// contactKey names a contact within a tenant without naming its number:
// the HMAC-SHA256 of its canonical wa_id under the tenant's key. The same
// number always gets the same key, so an erased contact stays suppressed
// although its number is gone.
func contactKey(key []byte, waID string) string {
	m := hmac.New(sha256.New, key)
	writeFields(m, "contact", waID)
	return hex.EncodeToString(m.Sum(nil))
}

// headMAC authenticates a head under the tenant's key: someone who can
// write the database but not read the gateway's key cannot cut the head
// back to match a truncated chain, short of restoring an older head.
func headMAC(key []byte, tenantID string, seq int64, hash string) string {
	m := hmac.New(sha256.New, key)
	writeFields(m, "head", tenantID, strconv.FormatInt(seq, 10), hash)
	return hex.EncodeToString(m.Sum(nil))
}
