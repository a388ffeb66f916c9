package sqlstoretest

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"
)

func TestWithSearchPath(t *testing.T) {
	tests := []struct{ in, want string }{
		{"postgres://u@h/db?sslmode=disable", "postgres://u@h/db?options=-c+search_path%3Ds1&sslmode=disable"},
		{"postgresql://h/db", "postgresql://h/db?options=-c+search_path%3Ds1"},
		{"host=h dbname=db", "host=h dbname=db options='-c search_path=s1'"},
	}
	for _, tt := range tests {
		if got := WithSearchPath(tt.in, "s1"); got != tt.want {
			t.Errorf("WithSearchPath(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestUnreachableFails runs a test of its own against a database that
// does not answer: it must fail, naming the variable, not skip or pass.
func TestUnreachableFails(t *testing.T) {
	if os.Getenv("SQLSTORETEST_CHILD") == "1" {
		NewSchema(t, "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2", "x")
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestUnreachableFails$", "-test.v")
	cmd.Env = append(os.Environ(), "SQLSTORETEST_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "--- FAIL") ||
		!strings.Contains(string(out), Env+" is set but PostgreSQL cannot be reached") {
		t.Fatalf("the test against an unreachable database did not fail as it must (%v):\n%s", err, out)
	}
}

// TestNewSchema, on the test database: a table made through DSN lands in
// the schema, and the schema is gone once its test has ended.
func TestNewSchema(t *testing.T) {
	dsn := DSN()
	if dsn == "" {
		t.Skip(Env + " is not set")
	}
	var name string
	t.Run("in", func(t *testing.T) {
		s := NewSchema(t, dsn, "sqlstoretest")
		name = s.Name
		db, err := sqlx.Open("postgres", s.DSN)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec("CREATE TABLE t (x int)"); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := s.Admin.Get(&n, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = $1 AND table_name = 't'", s.Name); err != nil || n != 1 {
			t.Fatalf("table t in schema %s: %d (%v)", s.Name, n, err)
		}
	})
	admin, err := sqlx.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var n int
	if err := admin.GetContext(context.Background(), &n,
		"SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = $1", name); err != nil {
		t.Fatal(err)
	}
	if name == "" || n != 0 {
		t.Errorf("schema %q still exists after its test", name)
	}
}
