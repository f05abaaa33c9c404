// Package storetest gives tests a throwaway PostgreSQL database.
package storetest

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
)

// Postgres returns the DSN of the PostgreSQL server tests may use
// (AIGCLABEL_TEST_PG, which `bash .ci/postgres start` prints), skipping the
// test when there is none, or failing it when AIGCLABEL_REQUIRE_TOOLS=1.
func Postgres(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv("AIGCLABEL_TEST_PG")
	if dsn == "" {
		if os.Getenv("AIGCLABEL_REQUIRE_TOOLS") == "1" {
			t.Fatal("AIGCLABEL_TEST_PG is unset (bash .ci/postgres start prints it)")
		}
		t.Skip("AIGCLABEL_TEST_PG is unset: no PostgreSQL to test against")
	}
	return dsn
}

// TempPostgres creates an empty database on the server of dsn for one test
// and drops it afterwards, so packages testing in parallel never share
// tables. It returns the new database's DSN.
func TempPostgres(t testing.TB, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	var b [6]byte
	rand.Read(b[:])
	name := "aigclabel_t_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(`CREATE DATABASE ` + name); err != nil {
		admin.Close()
		t.Fatalf("creating a test database: %v", err)
	}
	t.Cleanup(func() {
		admin.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
		admin.Close()
	})
	u.Path = "/" + name
	return u.String()
}
