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
// XMP and a C2PA manifest (375 KB), and of a 2100x1500 JPEG without (98 KB).
func BenchmarkWriteRead(b *testing.B) {
	for _, name := range []string{"c2pa_prerelease.jpg", "c2pa_no_manifest.jpg"} {
		in, err := os.ReadFile(filepath.Join(testenv.Corpus(b, "images"), name))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) { xmptest.BenchWriteRead(b, Codec{}, in) })
	}
}
