// Package testenv finds what tests need outside the module: the shared corpus
// beside the checkout, external tools (exiftool, ffprobe, ...) and the folder
// where tests may leave artefacts for people to look at.
package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Root returns the module root (the folder holding go.mod).
func Root(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("testenv: go.mod not found above the working directory")
		}
		dir = parent
	}
}

// Corpus returns the path of sub inside the shared corpus (../shared/corpus
// from the module root, or $AIGCLABEL_CORPUS), and skips the test with a clear
// message when it is absent.
func Corpus(t testing.TB, sub ...string) string {
	t.Helper()
	dir := os.Getenv("AIGCLABEL_CORPUS")
	if dir == "" {
		dir = filepath.Join(Root(t), "..", "shared", "corpus")
	}
	p := filepath.Join(append([]string{dir}, sub...)...)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared corpus not found at %s (set AIGCLABEL_CORPUS): %v", p, err)
	}
	return p
}

// Tool returns the path of an external program. When it is missing the test
// is skipped, unless AIGCLABEL_REQUIRE_TOOLS=1 (set by `make test`, which
// installs them), in which case it fails.
func Tool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("AIGCLABEL_REQUIRE_TOOLS") == "1" {
			t.Fatalf("%s is required (make test installs it): %v", name, err)
		}
		t.Skipf("%s not installed: %v", name, err)
	}
	return p
}

// OutDir returns a folder for artefacts a person may want to look at
// (screenshots, previews): $AIGCLABEL_TESTOUT/<test name> when set, else a
// temporary folder.
func OutDir(t testing.TB) string {
	t.Helper()
	base := os.Getenv("AIGCLABEL_TESTOUT")
	if base == "" {
		return t.TempDir()
	}
	dir := filepath.Join(base, filepath.FromSlash(t.Name()))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}
