package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestKeysAndRegistryCommands drives keys add/list/revoke and registry
// purge/export through the command table, on a fresh SQLite registry.
func TestKeysAndRegistryCommands(t *testing.T) {
	db := filepath.Join(t.TempDir(), "reg.db")
	cmd := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(append(args, "--db", db), &out, &errb)
		return code, out.String(), errb.String()
	}
	code, secret, _ := cmd("keys", "add", "--role", "producer", "--producer", "91110000MA00TEST0000000001X", "--name", "studio")
	if code != 0 || !strings.HasPrefix(secret, "aigck_") {
		t.Fatalf("keys add: %d %q", code, secret)
	}
	if code, _, stderr := cmd("keys", "add", "--role", "producer"); code != 2 || !strings.Contains(stderr, "producer code") {
		t.Fatalf("producer key without a code: %d %s", code, stderr)
	}
	code, out, _ := cmd("keys", "list", "--json")
	var ks []struct{ ID, Role, Producer, Name string }
	if code != 0 || json.Unmarshal([]byte(out), &ks) != nil || len(ks) != 1 || ks[0].Name != "studio" || !strings.Contains(secret, ks[0].ID) {
		t.Fatalf("keys list: %d %s", code, out)
	}
	if code, _, _ := cmd("keys", "revoke", ks[0].ID); code != 0 {
		t.Fatal("keys revoke failed")
	}
	if code, _, _ := cmd("keys", "revoke", ks[0].ID); code != 1 {
		t.Fatal("revoking a revoked key succeeded")
	}
	if code, _, stderr := cmd("registry", "purge", "--retention", "90d"); code == 0 || !strings.Contains(stderr, "six months") {
		t.Fatalf("purge with 90 days retention: %d %s", code, stderr)
	}
	if code, out, _ := cmd("registry", "purge", "--retention", "200d"); code != 0 || !strings.Contains(out, "purged 0 events older than 200d") {
		t.Fatalf("purge: %d %s", code, out)
	}
	code, out, _ = cmd("registry", "export", "--format", "csv")
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if code != 0 || err != nil || len(recs) != 1 || recs[0][0] != "id" {
		t.Fatalf("export of an empty registry: %d %q %v", code, out, err)
	}
	if code, _, _ := cmd("registry", "export", "--format", "xml"); code != 1 {
		t.Fatal("export to an unknown format succeeded")
	}
}
