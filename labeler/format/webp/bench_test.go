//go:build unix

package webp

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/aigclabel/aigclabel/internal/testenv"
	"github.com/aigclabel/aigclabel/labeler/format/xmp/xmptest"
)

// BenchmarkWriteRead: metadata-only labeling of a simple lossy WebP (50 KB),
// converted to the extended format.
func BenchmarkWriteRead(b *testing.B) {
	in, err := os.ReadFile(filepath.Join(testenv.Corpus(b, "c2pa"), "sample1.webp"))
	if err != nil {
		b.Fatal(err)
	}
	xmptest.BenchWriteRead(b, Codec{}, in)
}
