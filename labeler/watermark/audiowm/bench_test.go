package audiowm

import (
	"os"
	"testing"

	"github.com/aigclabel/aigclabel/internal/testenv"
	"github.com/aigclabel/aigclabel/labeler/format/wav"
)

// benchClips are the corpus's 44.1 kHz stereo music clips, the case the
// speed target (embed >= 100x realtime on one core) is set for.
var benchClips = []string{"music_c2pa_flac_44k_stereo.wav", "music_c2pa_mp3src_44k_stereo_30s.wav"}

func loadBenchClip(b *testing.B, name string) *wav.PCM {
	raw, err := os.ReadFile(testenv.Corpus(b, "audio", name))
	if err != nil {
		b.Fatal(err)
	}
	p, err := wav.DecodePCM(raw)
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// reportRealtime reports seconds of audio processed per second of run time.
func reportRealtime(b *testing.B, seconds float64) {
	b.ReportMetric(seconds*float64(b.N)/b.Elapsed().Seconds(), "x-realtime")
}

// BenchmarkEmbed marks the two 44.1 kHz stereo corpus clips (a fresh copy
// every iteration, copied outside the timer).
func BenchmarkEmbed(b *testing.B) {
	for _, name := range benchClips {
		b.Run(name, func(b *testing.B) {
			p := loadBenchClip(b, name)
			s := clone(p.Samples)
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				for c := range s {
					copy(s[c], p.Samples[c])
				}
				b.StartTimer()
				if err := Embed(s, p.Rate, 0x5eed, DevKey, Options{}); err != nil {
					b.Fatal(err)
				}
			}
			reportRealtime(b, float64(len(s[0]))/float64(p.Rate))
		})
	}
}

// BenchmarkDetect searches the marked 10.6-s clip.
func BenchmarkDetect(b *testing.B) {
	p := loadBenchClip(b, benchClips[0])
	if err := Embed(p.Samples, p.Rate, 0x5eed, DevKey, Options{}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if r, err := Detect(p.Samples, p.Rate, DevKey); err != nil || !r.Found {
			b.Fatal(r, err)
		}
	}
	reportRealtime(b, float64(len(p.Samples[0]))/float64(p.Rate))
}

// BenchmarkMono8 is the mixdown and resampling to 8 kHz of the 30-s clip.
func BenchmarkMono8(b *testing.B) {
	p := loadBenchClip(b, benchClips[1])
	b.ResetTimer()
	for range b.N {
		mono8(p.Samples, p.Rate)
	}
	reportRealtime(b, float64(len(p.Samples[0]))/float64(p.Rate))
}

// BenchmarkResampleUp is the 8 kHz to 44.1 kHz resampling of Embed's
// difference signal, 30 s.
func BenchmarkResampleUp(b *testing.B) {
	x := make([]float64, 30*rate8)
	for i := range x {
		x[i] = float64(i%97) / 97
	}
	b.ResetTimer()
	for range b.N {
		resample(x, rate8, 44100, cutoff8, 30*44100)
	}
	reportRealtime(b, 30)
}
