package explicit

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"image"
	"math"
	"testing"
)

// Golden hashes of outputs that must be bit-identical on every platform
// (native amd64/arm64, js/wasm, wasip1). Run this test under wasip1 too:
//
//	GOOS=wasip1 GOARCH=wasm GOWASIRUNTIME=wazero PATH=$(go env GOROOT)/lib/wasm:$PATH \
//	  go test ./labeler/explicit -run 'Determinism|Golden'
func hashSamples(s [][]float32) string {
	h := sha256.New()
	var b [4]byte
	for _, ch := range s {
		for _, v := range ch {
			binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
			h.Write(b[:])
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// TestDeterminismAudio mixes and inserts every prompt kind into a synthetic
// program at three rates and compares the hash of all output samples.
func TestDeterminismAudio(t *testing.T) {
	h := sha256.New()
	for _, rate := range []int{8000, 44100, 48000} {
		prog := make([]float32, 7*rate)
		for i := range prog {
			prog[i] = float32(i%977)/977 - 0.5
		}
		for _, kind := range []PromptKind{Rhythm, Voice, Both} {
			for _, ins := range []bool{false, true} {
				out, _, err := AddPrompt([][]float32{prog, prog}, rate, AudioOptions{Prompt: kind, At: "both", Insert: ins})
				if err != nil {
					t.Fatal(err)
				}
				h.Write([]byte(hashSamples(out)))
			}
		}
	}
	got := hex.EncodeToString(h.Sum(nil))
	const want = "d3da6372bccc37f4a5f32af7372f935990d58e3103a1a562e15e693db8c79ad8"
	if got != want {
		t.Errorf("audio prompt output hash %s, want %s", got, want)
	}
}

// TestDeterminismImage hashes DrawImage output on a synthetic image for
// every position and wording.
func TestDeterminismImage(t *testing.T) {
	src := image.NewNRGBA(image.Rect(0, 0, 640, 400))
	for i := range src.Pix {
		src.Pix[i] = uint8(i * 7 % 251)
	}
	h := sha256.New()
	for i, pos := range Positions {
		out, _, err := DrawImage(src, ImageOptions{Position: pos, Text: Wordings[i%len(Wordings)], SizePercent: 5 + float64(i)})
		if err != nil {
			t.Fatal(err)
		}
		h.Write(out.Pix)
	}
	// Glyphs above 512 px (drawn in tiles): 25% of a 2100 px side.
	big := image.NewGray(image.Rect(0, 0, 2100, 2100))
	out, p, err := DrawImage(big, ImageOptions{SizePercent: 25, Text: "AI合成", Position: Top})
	if err != nil || p.GlyphHeight <= 512 {
		t.Fatalf("big label: %v, glyph %d px", err, p.GlyphHeight)
	}
	h.Write(out.Pix)
	got := hex.EncodeToString(h.Sum(nil))
	const want = "1e960e89ee1e46aebb0be61ee2472a1cd3f17ba292c9357c162837e21be5e242"
	if got != want {
		t.Errorf("image label output hash %s, want %s", got, want)
	}
}
