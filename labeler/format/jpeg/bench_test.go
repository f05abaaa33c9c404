//go:build unix

package jpeg

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/aigclabel/aigclabel/internal/testenv"
	"github.com/aigclabel/aigclabel/labeler/format/xmp/xmptest"
)

// BenchmarkWriteRead: metadata-only labeling of a 2048x1365 JPEG with EXIF,
// XMP and a C2PA manifest (375 KB).
func BenchmarkWriteRead(b *testing.B) {
	in, err := os.ReadFile(filepath.Join(testenv.Corpus(b, "images"), "c2pa_prerelease.jpg"))
	if err != nil {
		b.Fatal(err)
	}
	xmptest.BenchWriteRead(b, Codec{}, in)
}
