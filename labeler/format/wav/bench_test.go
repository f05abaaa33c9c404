//go:build unix

package wav

import (
	"bytes"
	"os"
	"testing"

	gowav "github.com/go-audio/wav"

	"github.com/aigclabel/aigclabel/internal/testenv"
	"github.com/aigclabel/aigclabel/labeler/format/formattest"
)

// Benchmarks over the 30 s 44.1 kHz stereo corpus file. Compare against
// BenchmarkCopy (allocate and copy the file), the floor of any rewrite. Each
// also reports process CPU time per operation (cpu-ns/op), which a loaded
// machine inflates far less than wall time:
//
//	go test -run '^$' -bench . ./labeler/format/wav
func benchFile(b *testing.B) []byte {
	in, err := os.ReadFile(testenv.Corpus(b, "audio", "music_c2pa_mp3src_44k_stereo_30s.wav"))
	if err != nil {
		b.Fatal(err)
	}
	return in
}

func BenchmarkCopy(b *testing.B) {
	in := benchFile(b)
	formattest.StartBench(b, len(in))
	for range b.N {
		_ = append([]byte(nil), in...)
	}
}

func BenchmarkWrite(b *testing.B) {
	in := benchFile(b)
	formattest.StartBench(b, len(in))
	rec := testRecord("bench", true)
	for range b.N {
		if _, err := (Codec{}).Write(in, rec); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkContentHash(b *testing.B) {
	in := benchFile(b)
	formattest.StartBench(b, len(in))
	for range b.N {
		if _, err := (Codec{}).ContentHash(in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodePCM(b *testing.B) {
	in := benchFile(b)
	formattest.StartBench(b, len(in))
	for range b.N {
		if _, err := DecodePCM(in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodePCM(b *testing.B) {
	in := benchFile(b)
	p, err := DecodePCM(in)
	if err != nil {
		b.Fatal(err)
	}
	formattest.StartBench(b, len(in))
	for range b.N {
		if _, err := EncodePCM(in, p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGoAudioDecode is go-audio/wav's FullPCMBuffer on the same file, for
// comparison with DecodePCM (it returns []int, not float32).
func BenchmarkGoAudioDecode(b *testing.B) {
	in := benchFile(b)
	formattest.StartBench(b, len(in))
	for range b.N {
		if _, err := gowav.NewDecoder(bytes.NewReader(in)).FullPCMBuffer(); err != nil {
			b.Fatal(err)
		}
	}
}
