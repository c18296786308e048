package gateway

import "github.com/wabaguard/wabaguard/internal/intake"

// Idempotency, as package intake implements it.
//
// A send may carry an Idempotency-Key header (at most MaxIdempotencyKey
// characters), scoped to the tenant. The first successful answer for a key is
// committed in the same transaction as the message, so "accepted" and "the
// answer to replay" cannot disagree. A later request with the key gets that
// answer byte for byte, with its status and Idempotent-Replayed: true; its
// body is not compared with the first one.
//
// Only 200 answers are stored. A rejection is not: the client is expected to
// fix the request and retry, and a stored refusal would make the same key
// fail forever. Mark-as-read is never stored either: it is not queued and
// repeating it is harmless.
//
// Within one process, requests with the same key are serialised, so only one
// runs the pipeline and the others replay its answer. Across replicas the
// store's unique (tenant, key) decides: the loser's intake comes back marked
// Duplicate and it replays the winner's answer.

// Header names of the idempotency protocol.
const (
	IdempotencyKeyHeader = "Idempotency-Key"
	ReplayedHeader       = "Idempotent-Replayed"
	// MaxIdempotencyKey is the longest key accepted.
	MaxIdempotencyKey = intake.MaxIdempotencyKey
)
