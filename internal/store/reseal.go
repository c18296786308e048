package store

import "context"

// Resealer re-encrypts every secret at rest with the store's sealer.
type Resealer interface {
	// ResealSecrets opens every sealed value (tenants' webhook secrets,
	// senders' access tokens) with the store's sealer and seals it again
	// with the sealer's primary key, in one transaction: a crash leaves
	// either every value under the old key or every value under the new.
	// It returns how many values were resealed.
	ResealSecrets(ctx context.Context) (int, error)
}

// SealedColumns names each sealed column by its table and key column; the
// engines reseal exactly these.
var SealedColumns = []struct{ Table, Key, Column string }{
	{"tenants", "id", "webhook_secret"},
	{"senders", "phone_number_id", "access_token"},
	{"consent_keys", "tenant_id", "key"},
}

// Reseal opens sealed with s and seals the plaintext again.
func Reseal(s Sealer, sealed []byte) ([]byte, error) {
	p, err := OpenString(s, sealed)
	if err != nil {
		return nil, err
	}
	return SealString(s, p)
}
