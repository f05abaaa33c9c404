package labeler

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/aigclabel/aigclabel/internal/testenv"
)

// benchFiles are corpus files of every binary carrier, the small ones whose
// fixed labeling cost shows most against a copy.
var benchFiles = []string{
	"images/c2pa_no_manifest.jpg",
	"images/c2pa_prerelease.jpg",
	"images/exif_Landscape_6.jpg",
	"aigc-real/alibaba-tongyi-wan_png-text-aigc.png",
	"aigc-real/doubao_xmp-tc260_gray_1x1.png",
	"audio/music_c2pa_flac_44k_stereo.wav",
	"c2pa/sample1.wav",
	"aigc-real/minimax-image01_jpeg-exif-usercomment_securitydata_op-equals.jpg",
	"aigc-real/minimax-image01_derived-png_exif-chunk-and-xmp-usercomment_mole-3-n19.png",
	"aigc-real/jimeng_xmp-tc260_cap_B.png",
	"c2pa/sample1.png",
	"c2pa/sample1.webp",
	"c2pa/C.jpg",
	"audio/speech_jfk_16k_mono.wav",
	"c2pa/sample1.mp3",
}

// BenchmarkAppendLabel is metadata-only labeling into a reused buffer, per
// corpus file (go run ./bench/metadata compares it with a copy).
func BenchmarkAppendLabel(b *testing.B) {
	opts := Options{Producer: producer, ProduceID: "01JDXBENCH0000000000000000"}
	for _, name := range benchFiles {
		in, err := os.ReadFile(filepath.Join(testenv.Corpus(b), name))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(filepath.Base(name), func(b *testing.B) {
			buf := make([]byte, 0, len(in)+4096)
			b.ReportAllocs()
			for b.Loop() {
				res, err := AppendLabel(context.Background(), buf[:0], in, opts)
				if err != nil {
					b.Fatal(err)
				}
				buf = res.Output
			}
		})
	}
}
