package textwm

import (
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestGolden pins Embed's output and the fingerprint for fixed inputs: they
// must be byte-identical on every platform (run this test under wasip1 too)
// and change only on purpose (go test -update).
func TestGolden(t *testing.T) {
	for _, c := range []struct {
		in, golden string
		opts       Options
	}{
		{"en.txt", "testdata/en.txt.marked.golden", Options{}},
		{"zh.txt", "testdata/zh.txt.marked.golden", Options{}},
		{"doc.md", "testdata/doc.md.marked.golden", Options{Markdown: true}},
		{"short.txt", "testdata/short.txt.marked.golden", Options{}},       // compact layout, selectors
		{"short_zh.txt", "testdata/short_zh.txt.marked.golden", Options{}}, // compact layout, selectors and tags
	} {
		in := readText(t, c.in)
		got := embed(t, in, c.opts) + "\n" + FingerprintOf(in).String() + "\n"
		if *update {
			if err := os.WriteFile(c.golden, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(c.golden)
		if err != nil {
			t.Fatal(err)
		}
		if got != string(want) {
			t.Errorf("%s: output differs from %s", c.in, c.golden)
		}
	}
}
