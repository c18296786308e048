package storecopy

// schemaVersion is the migration version of both engines whose tables this
// package maps. A source or target at another version has columns the
// mapping below does not know, so Copy refuses it rather than silently
// dropping or misreading them.
const schemaVersion = 21

// versionTable is goose's bookkeeping table in both engines; it is not data
// and is never copied (the target's own migration fills it).
const versionTable = "goose_db_version"

// kind is how one column is represented in each engine, and so how its
// values are converted on the way and normalised for the checksum.
type kind int

const (
	// kText is TEXT NOT NULL in SQLite and text NOT NULL in PostgreSQL.
	kText kind = iota
	// kTextNull is a text column where NULL means absent in both engines.
	kTextNull
	// kInt is INTEGER in SQLite and int or bigint in PostgreSQL.
	kInt
	// kBytes is BLOB NOT NULL and bytea NOT NULL; SQLite hands an empty
	// BLOB back as nil, which is copied as an empty bytea, not NULL.
	kBytes
	// kBytesNull is a nullable BLOB/bytea (the sealed secrets): NULL stays
	// NULL, and bytes are copied unchanged, still sealed.
	kBytesNull
	// kTime is integer unix milliseconds in SQLite and timestamptz NOT NULL
	// in PostgreSQL. SQLite's 0 ("never") becomes the zero time.Time, which
	// is what the PostgreSQL engine itself stores for a zero time in such a
	// column and reads back as zero.
	kTime
	// kTimeNull is integer unix milliseconds in SQLite and a nullable
	// timestamptz in PostgreSQL: SQLite's 0 ("never") is NULL.
	kTimeNull
	// kBool is INTEGER 0/1 in SQLite and boolean in PostgreSQL.
	kBool
)

// column maps one SQLite column onto its PostgreSQL counterpart.
type column struct {
	src, dst string
	kind     kind
}

// table maps one SQLite table onto its PostgreSQL counterpart.
type table struct {
	src, dst string
	cols     []column
	// key indexes cols: the primary key in SQLite (unique in PostgreSQL),
	// the order of the checksum and what a mismatch is reported by.
	key []int
	// order indexes cols: the order rows are copied in, when it matters
	// more than the key order (nil means key order).
	order []int
	// identity is the PostgreSQL identity column whose values are copied
	// and whose sequence must then be moved past them ("" when none).
	identity string
}

// tables is the data model of schemaVersion, in dependency order: the
// rows a table refers to are copied before it. Neither schema declares
// foreign keys, so the order is for the reader and for any that appear.
//
// PostgreSQL columns without a SQLite counterpart are left to their
// defaults, which are the values the PostgreSQL engine itself would hold:
// deliveries.claimed_until and forwards.claimed_until are NULL (SQLite
// expresses a claim by pushing the due time, which is copied), and
// deliveries.done_at is NULL (SQLite never recorded it).
// status_events.seq is generated in the order (ts, status), the order in
// which the SQLite engine lists a message's events, so the PostgreSQL engine
// lists them alike.
var tables = []table{
	{
		src: "tenants", dst: "tenants",
		cols: []column{
			{"id", "id", kText},
			{"name", "name", kText},
			{"webhook_url", "webhook_url", kText},
			{"webhook_secret", "webhook_secret", kBytesNull},
			{"created_at", "created_at", kTime},
		},
		key: []int{0},
	},
	{
		src: "api_keys", dst: "api_keys",
		cols: []column{
			{"id", "id", kText},
			{"tenant_id", "tenant_id", kText},
			{"hash", "hash", kBytes},
			{"created_at", "created_at", kTime},
			{"revoked_at", "revoked_at", kTimeNull},
			{"source", "source", kText},
			{"expires_at", "expires_at", kTimeNull},
			{"last_used_at", "last_used_at", kTimeNull},
		},
		key: []int{0},
	},
	{
		src: "users", dst: "users",
		cols: []column{
			{"id", "id", kText},
			{"tenant_id", "tenant_id", kText},
			{"email", "email", kText},
			{"role", "role", kText},
			{"password_hash", "password_hash", kText},
			{"created_at", "created_at", kTime},
		},
		key: []int{0},
	},
	{
		src: "content_models", dst: "content_models",
		cols: []column{
			{"tenant_id", "tenant_id", kText},
			{"version", "version", kInt},
			{"created_at", "created_at", kTime},
			{"training_rows", "training_rows", kInt},
			{"tenant_rows", "tenant_rows", kInt},
			{"held_out", "held_out", kText},
			{"active", "active", kBool},
			{"model", "model", kBytes},
		},
		key: []int{0, 1},
	},
	{
		src: "ui_sessions", dst: "ui_sessions",
		cols: []column{
			{"key_hash", "key_hash", kBytes},
			{"user_id", "user_id", kText},
			{"csrf", "csrf", kText},
			{"created_at", "created_at", kTime},
			{"seen_at", "seen_at", kTime},
			{"expires_at", "expires_at", kTime},
		},
		key: []int{0},
	},
	{
		src: "risk_counts", dst: "risk_counts",
		cols: []column{
			{"phone_number_id", "phone_number_id", kText},
			{"campaign_id", "campaign_id", kText},
			{"metric", "metric", kText},
			{"bucket", "bucket", kTime},
			{"tenant_id", "tenant_id", kText},
			{"n", "n", kInt},
		},
		key: []int{0, 1, 2, 3},
	},
	{
		src: "risk_brakes", dst: "risk_brakes",
		cols: []column{
			{"phone_number_id", "phone_number_id", kText},
			{"campaign_id", "campaign_id", kText},
			{"tenant_id", "tenant_id", kText},
			{"level", "level", kText},
			{"rate_permille", "rate_permille", kInt},
			{"code", "code", kInt},
			{"reason", "reason", kText},
			{"score_centi", "score_centi", kInt},
			{"until", "until", kTimeNull},
			{"warmup_from", "warmup_from", kTimeNull},
			{"warmup_until", "warmup_until", kTimeNull},
			{"manual", "manual", kBool},
			{"changed_at", "changed_at", kTime},
		},
		key: []int{0, 1},
	},
	{
		src: "incidents", dst: "incidents",
		cols: []column{
			{"id", "id", kText},
			{"tenant_id", "tenant_id", kText},
			{"phone_number_id", "phone_number_id", kText},
			{"waba_id", "waba_id", kText},
			{"campaign_id", "campaign_id", kText},
			{"kind", "kind", kText},
			{"title", "title", kText},
			{"opened_at", "opened_at", kTime},
			{"closed_at", "closed_at", kTimeNull},
		},
		key: []int{0},
	},
	{
		src: "incident_events", dst: "incident_events",
		cols: []column{
			{"id", "id", kInt},
			{"incident_id", "incident_id", kText},
			{"at", "at", kTime},
			{"kind", "kind", kText},
			{"name", "name", kText},
			{"detail", "detail", kText},
			{"raw", "raw", kBytes},
		},
		key:      []int{0},
		identity: "id",
	},
	{
		src: "senders", dst: "senders",
		cols: []column{
			{"phone_number_id", "phone_number_id", kText},
			{"tenant_id", "tenant_id", kText},
			{"waba_id", "waba_id", kText},
			{"display_phone_number", "display_phone_number", kText},
			{"throughput_mps", "throughput_mps", kInt},
			{"access_token", "access_token", kBytesNull},
			{"state", "state", kText},
			{"state_code", "state_code", kInt},
			{"state_reason", "state_reason", kText},
			{"state_changed_at", "state_changed_at", kTimeNull},
		},
		key: []int{0},
	},
	{
		src: "messages", dst: "messages",
		cols: []column{
			{"seq", "seq", kInt},
			{"id", "id", kText},
			{"tenant_id", "tenant_id", kText},
			{"sender_id", "sender_id", kText},
			{"input", "input", kText},
			{"wa_id", "wa_id", kText},
			{"type", "type", kText},
			{"category", "category", kText},
			{"body", "body", kBytes},
			{"state", "state", kText},
			{"attempts", "attempts", kInt},
			{"next_attempt_at", "next_attempt_at", kTime},
			{"claimed_until", "claimed_until", kTimeNull},
			{"meta_id", "meta_id", kTextNull},
			{"error_code", "error_code", kInt},
			{"error_detail", "error_detail", kText},
			{"created_at", "created_at", kTime},
			{"updated_at", "updated_at", kTime},
			{"message_status", "message_status", kText},
			{"ready_at", "ready_at", kTimeNull},
		},
		key:      []int{0},
		identity: "seq",
	},
	{
		src: "decisions", dst: "decisions",
		cols: []column{
			{"id", "id", kInt},
			{"tenant_id", "tenant_id", kText},
			{"sender_id", "sender_id", kText},
			{"message_id", "message_id", kText},
			{"wa_id", "wa_id", kText},
			{"outcome", "outcome", kText},
			{"rule", "rule", kText},
			{"code", "code", kText},
			{"graph_code", "graph_code", kInt},
			{"reason", "reason", kText},
			{"until", "until", kTimeNull},
			{"created_at", "created_at", kTime},
		},
		key:      []int{0},
		identity: "id",
	},
	{
		src: "idempotency", dst: "idempotency",
		cols: []column{
			{"tenant_id", "tenant_id", kText},
			{"key", "key", kText},
			{"status_code", "status_code", kInt},
			{"response", "response", kBytes},
			{"created_at", "created_at", kTime},
		},
		key: []int{0, 1},
	},
	{
		src: "contact_sends", dst: "contact_sends",
		cols: []column{
			{"message_id", "message_id", kText},
			{"tenant_id", "tenant_id", kText},
			{"wa_id", "wa_id", kText},
			{"category", "category", kText},
			{"content_hash", "content_hash", kText},
			{"sent_at", "sent_at", kTime},
		},
		key: []int{0},
	},
	{
		src: "deliveries", dst: "deliveries",
		cols: []column{
			{"id", "id", kInt},
			{"dedupe_key", "dedupe_key", kText},
			{"body", "body", kBytes},
			{"received_at", "received_at", kTime},
			{"attempts", "attempts", kInt},
			{"done", "done", kBool},
			{"next_at", "next_attempt_at", kTime},
		},
		key:      []int{0},
		identity: "id",
	},
	{
		src: "status_events", dst: "status_events",
		cols: []column{
			{"meta_id", "meta_id", kText},
			{"status", "status", kText},
			{"message_id", "message_id", kText},
			{"ts", "ts", kTime},
			{"error_code", "error_code", kInt},
		},
		key:   []int{0, 1},
		order: []int{3, 1, 0},
	},
	{
		src: "inbound", dst: "inbound_messages",
		cols: []column{
			{"id", "id", kText},
			{"sender_id", "sender_id", kText},
			{"from_wa_id", "wa_from", kText},
			{"type", "type", kText},
			{"ts", "ts", kTime},
			{"body", "body", kBytes},
			{"received_at", "received_at", kTime},
		},
		key: []int{0},
	},
	{
		src: "windows", dst: "windows",
		cols: []column{
			{"sender_id", "sender_id", kText},
			{"wa_id", "wa_id", kText},
			{"at", "at", kTime},
		},
		key: []int{0, 1},
	},
	{
		src: "forwards", dst: "forwards",
		cols: []column{
			{"id", "id", kInt},
			{"tenant_id", "tenant_id", kText},
			{"waba_id", "waba_id", kText},
			{"field", "field", kText},
			{"value", "value", kBytes},
			{"created_at", "created_at", kTime},
			{"attempts", "attempts", kInt},
			{"next_attempt_at", "next_attempt_at", kTime},
			{"state", "state", kText},
			{"last_error", "last_error", kText},
			{"done_at", "done_at", kTimeNull},
			{"entry_time", "entry_time", kInt},
			{"lane", "lane", kText},
		},
		key:      []int{0},
		identity: "id",
	},
	{
		src: "event_keys", dst: "event_keys",
		cols: []column{
			{"key", "key", kText},
			{"seen_at", "seen_at", kTime},
		},
		key: []int{0},
	},
	{
		src: "leases", dst: "leases",
		cols: []column{
			{"name", "name", kText},
			{"owner", "owner", kText},
			{"until", "until", kTime},
		},
		key: []int{0},
	},
	{
		src: "owned_objects", dst: "owned_objects",
		cols: []column{
			{"id", "id", kText},
			{"tenant_id", "tenant_id", kText},
			{"kind", "kind", kText},
			{"sender_id", "sender_id", kText},
			{"waba_id", "waba_id", kText},
			{"created_at", "created_at", kTime},
		},
		key: []int{0},
	},
	{
		src: "consent_keys", dst: "consent_keys",
		cols: []column{
			{"tenant_id", "tenant_id", kText},
			{"key", "key", kBytes},
			{"created_at", "created_at", kTime},
		},
		key: []int{0},
	},
	{
		src: "consent_records", dst: "consent_records",
		cols: []column{
			{"tenant_id", "tenant_id", kText},
			{"seq", "seq", kInt},
			{"at", "at", kTime},
			{"contact_key", "contact_key", kText},
			{"action", "action", kText},
			{"category", "category", kText},
			{"source", "source", kText},
			{"evidence_digest", "evidence_digest", kText},
			{"prev_hash", "prev_hash", kText},
			{"hash", "hash", kText},
		},
		key: []int{0, 1},
	},
	{
		src: "consent_personal", dst: "consent_personal",
		cols: []column{
			{"tenant_id", "tenant_id", kText},
			{"seq", "seq", kInt},
			{"contact_key", "contact_key", kText},
			{"data", "data", kBytes},
		},
		key: []int{0, 1},
	},
	{
		src: "consent_state", dst: "consent_state",
		cols: []column{
			{"tenant_id", "tenant_id", kText},
			{"contact_key", "contact_key", kText},
			{"category", "category", kText},
			{"action", "action", kText},
			{"source", "source", kText},
			{"seq", "seq", kInt},
			{"at", "at", kTime},
		},
		key: []int{0, 1, 2},
	},
	{
		src: "consent_heads", dst: "consent_heads",
		cols: []column{
			{"tenant_id", "tenant_id", kText},
			{"seq", "seq", kInt},
			{"hash", "hash", kText},
			{"mac", "mac", kText},
		},
		key: []int{0},
	},
	{
		src: "templates", dst: "templates",
		cols: []column{
			{"waba_id", "waba_id", kText},
			{"name", "name", kText},
			{"language", "language", kText},
			{"id", "id", kText},
			{"category", "category", kText},
			{"status", "status", kText},
			{"quality", "quality", kText},
			{"parameter_format", "parameter_format", kText},
			{"reason", "reason", kText},
			{"components", "components", kBytes},
			{"updated_at", "updated_at", kTime},
		},
		key: []int{0, 1, 2},
	},
	{
		src: "template_syncs", dst: "template_syncs",
		cols: []column{
			{"waba_id", "waba_id", kText},
			{"synced_at", "synced_at", kTime},
		},
		key: []int{0},
	},
	{
		src: "identities", dst: "identities",
		cols: []column{
			{"tenant_id", "tenant_id", kText},
			{"user_id", "user_id", kText},
			{"wa_id", "wa_id", kText},
			{"seen_at", "seen_at", kTime},
		},
		key: []int{0, 1},
	},
	{
		src: "sender_health", dst: "sender_health",
		cols: []column{
			{"phone_number_id", "phone_number_id", kText},
			{"portfolio_id", "portfolio_id", kText},
			{"quality", "quality", kText},
			{"status", "status", kText},
			{"health", "health", kText},
			{"tier", "tier", kText},
			{"throughput", "throughput", kText},
			{"updated_at", "updated_at", kTime},
		},
		key: []int{0},
	},
	{
		src: "portfolios", dst: "portfolios",
		cols: []column{
			{"id", "id", kText},
			{"tier", "tier", kText},
			{"updated_at", "updated_at", kTime},
		},
		key: []int{0},
	},
	{
		src: "portfolio_reach", dst: "portfolio_reach",
		cols: []column{
			{"portfolio_id", "portfolio_id", kText},
			{"wa_id", "wa_id", kText},
			{"first_sent_at", "first_sent_at", kTime},
			{"last_sent_at", "last_sent_at", kTime},
			{"message_id", "message_id", kText},
			{"sender_id", "sender_id", kText},
		},
		key: []int{0, 1},
	},
	{
		src: "contacts", dst: "contacts",
		cols: []column{
			{"tenant_id", "tenant_id", kText},
			{"wa_id", "wa_id", kText},
			{"e164", "e164", kText},
			{"contact_key", "contact_key", kText},
			{"name", "name", kText},
			{"language", "language", kText},
			{"tags", "tags", kText},
			{"attributes", "attributes", kText},
			{"created_at", "created_at", kTime},
			{"updated_at", "updated_at", kTime},
		},
		key: []int{0, 1},
	},
	{
		src: "audiences", dst: "audiences",
		cols: []column{
			{"tenant_id", "tenant_id", kText},
			{"id", "id", kText},
			{"name", "name", kText},
			{"filter", "filter", kText},
			{"created_at", "created_at", kTime},
			{"updated_at", "updated_at", kTime},
		},
		key: []int{0, 1},
	},
	{
		src: "contact_imports", dst: "contact_imports",
		cols: []column{
			{"tenant_id", "tenant_id", kText},
			{"id", "id", kText},
			{"digest", "digest", kText},
			{"state", "state", kText},
			{"lines", "lines", kInt},
			{"committed_line", "committed_line", kInt},
			{"created", "created", kInt},
			{"merged", "merged", kInt},
			{"refused", "refused", kInt},
			{"created_at", "created_at", kTime},
			{"updated_at", "updated_at", kTime},
		},
		key: []int{0, 1},
	},
	{
		src: "sender_warmup", dst: "sender_warmup",
		cols: []column{
			{"phone_number_id", "phone_number_id", kText},
			{"started_at", "started_at", kTime},
			{"reason", "reason", kText},
			{"updated_at", "updated_at", kTime},
		},
		key: []int{0},
	},
	{
		src: "campaigns", dst: "campaigns",
		cols: []column{
			{"tenant_id", "tenant_id", kText},
			{"id", "id", kText},
			{"name", "name", kText},
			{"sender_id", "sender_id", kText},
			{"template_name", "template_name", kText},
			{"template_language", "template_language", kText},
			{"params", "params", kText},
			{"audience_id", "audience_id", kText},
			{"start_at", "start_at", kTimeNull},
			{"state", "state", kText},
			{"state_reason", "state_reason", kText},
			{"cursor", "cursor", kText},
			{"targeted", "targeted", kInt},
			{"accepted", "accepted", kInt},
			{"refused", "refused", kText},
			{"created_at", "created_at", kTime},
			{"updated_at", "updated_at", kTime},
			{"started_at", "started_at", kTimeNull},
			{"finished_at", "finished_at", kTimeNull},
		},
		key: []int{0, 1},
	},
	{
		src: "campaign_messages", dst: "campaign_messages",
		cols: []column{
			{"tenant_id", "tenant_id", kText},
			{"campaign_id", "campaign_id", kText},
			{"wa_id", "wa_id", kText},
			{"message_id", "message_id", kText},
		},
		key: []int{0, 1, 2},
	},
}

// dstCols lists the PostgreSQL column names of t, in cols order.
func (t *table) dstCols() []string {
	out := make([]string, len(t.cols))
	for i, c := range t.cols {
		out[i] = c.dst
	}
	return out
}
