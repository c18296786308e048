package pgtest_test

import (
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/wabaguard/wabaguard/internal/store/pgtest"
)

func TestDSNIsolatedSchemaDroppedAfterTest(t *testing.T) {
	var schema string
	t.Run("inner", func(t *testing.T) {
		dsn := pgtest.DSN(t)
		other := pgtest.DSN(t)
		conn, err := pgx.Connect(t.Context(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(t.Context())
		if err := conn.QueryRow(t.Context(), "SELECT current_schema()").Scan(&schema); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(schema, "t_") {
			t.Fatalf("current_schema = %q, want the test schema", schema)
		}
		if strings.Contains(other, "search_path="+schema) {
			t.Errorf("two calls share schema %s", schema)
		}
		// Unqualified names land in the test schema.
		if _, err := conn.Exec(t.Context(), "CREATE TABLE probe (x int)"); err != nil {
			t.Fatal(err)
		}
	})
	if schema == "" {
		t.Skip("inner test did not get a schema")
	}
	conn, err := pgx.Connect(t.Context(), pgtest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	var n int
	if err := conn.QueryRow(t.Context(),
		"SELECT count(*) FROM pg_namespace WHERE nspname = $1", schema).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("schema %s still exists after its test ended", schema)
	}
}
