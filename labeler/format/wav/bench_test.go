package wav

import (
	"bytes"
	"os"
	"testing"

	gowav "github.com/go-audio/wav"

	"github.com/aigclabel/aigclabel/internal/testenv"
)

// Benchmarks over the 30 s 44.1 kHz stereo corpus file. Compare against
// BenchmarkCopy (allocate and copy the file), the floor of any rewrite:
//
//	go test -run '^$' -bench . ./labeler/format/wav
func benchFile(b *testing.B) []byte {
	in, err := os.ReadFile(testenv.Corpus(b, "audio", "music_c2pa_mp3src_44k_stereo_30s.wav"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	return in
}

func BenchmarkCopy(b *testing.B) {
	in := benchFile(b)
	for b.Loop() {
		_ = append([]byte(nil), in...)
	}
}

func BenchmarkWrite(b *testing.B) {
	in := benchFile(b)
	rec := testRecord("bench", true)
	for b.Loop() {
		if _, err := (Codec{}).Write(in, rec); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkContentHash(b *testing.B) {
	in := benchFile(b)
	for b.Loop() {
		if _, err := (Codec{}).ContentHash(in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodePCM(b *testing.B) {
	in := benchFile(b)
	for b.Loop() {
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
	for b.Loop() {
		if _, err := EncodePCM(in, p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGoAudioDecode is go-audio/wav's FullPCMBuffer on the same file, for
// comparison with DecodePCM (it returns []int, not float32).
func BenchmarkGoAudioDecode(b *testing.B) {
	in := benchFile(b)
	for b.Loop() {
		if _, err := gowav.NewDecoder(bytes.NewReader(in)).FullPCMBuffer(); err != nil {
			b.Fatal(err)
		}
	}
}
