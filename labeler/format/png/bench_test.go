//go:build unix

package png

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/aigclabel/aigclabel/internal/testenv"
	"github.com/aigclabel/aigclabel/labeler/format/xmp/xmptest"
)

// BenchmarkWriteRead: metadata-only labeling of a 3.4 MP photo (2.9 MB).
func BenchmarkWriteRead(b *testing.B) {
	in, err := os.ReadFile(filepath.Join(testenv.Corpus(b, "images"), "icinfo_flower_foveon.png"))
	if err != nil {
		b.Fatal(err)
	}
	xmptest.BenchWriteRead(b, Codec{}, in)
}
