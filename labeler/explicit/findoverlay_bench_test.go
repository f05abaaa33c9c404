package explicit

import (
	"testing"

	"github.com/aigclabel/aigclabel/internal/testenv"
)

func BenchmarkFindOverlay(b *testing.B) {
	img := decodeFile(b, testenv.Corpus(b, "images", "kodim01.png"))
	for b.Loop() {
		FindOverlay(img)
	}
}
