package wav

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	gowav "github.com/go-audio/wav"
)

// generated describes a test file made by ffmpeg or sox, and what its fmt
// chunk must say.
type generated struct {
	name       string
	tool       string // "ffmpeg" or "sox"
	codec      string // ffmpeg encoder, or sox "-b bits -e encoding" args
	rate       int
	channels   int
	frames     int
	bits       int
	float      bool
	extensible bool
}

// generatedFiles covers every sample format DecodePCM handles, as the two
// tools write them: ffmpeg switches to WAVE_FORMAT_EXTENSIBLE above 16 bits,
// above 2 channels and above 48 kHz; sox's wavpcm type never does.
var generatedFiles = []generated{
	{"u8 mono 8k", "ffmpeg", "pcm_u8", 8000, 1, 801, 8, false, false},
	{"s16 mono 16k", "ffmpeg", "pcm_s16le", 16000, 1, 1600, 16, false, false},
	{"s16 stereo 44.1k", "ffmpeg", "pcm_s16le", 44100, 2, 4410, 16, false, false},
	{"s16 6ch 48k", "ffmpeg", "pcm_s16le", 48000, 6, 960, 16, false, true},
	{"s16 stereo 96k", "ffmpeg", "pcm_s16le", 96000, 2, 2000, 16, false, true},
	{"s24 mono 16k odd", "ffmpeg", "pcm_s24le", 16000, 1, 1601, 24, false, true},
	{"s24 stereo 96k", "ffmpeg", "pcm_s24le", 96000, 2, 1999, 24, false, true},
	{"s32 stereo 48k", "ffmpeg", "pcm_s32le", 48000, 2, 960, 32, false, true},
	{"f32 stereo 44.1k", "ffmpeg", "pcm_f32le", 44100, 2, 882, 32, true, true},
	{"f32 6ch 22.05k", "ffmpeg", "pcm_f32le", 22050, 6, 441, 32, true, true},
	{"f64 mono 8k", "ffmpeg", "pcm_f64le", 8000, 1, 333, 64, true, true},
	{"sox u8 mono 11.025k", "sox", "-b 8 -e unsigned-integer", 11025, 1, 1103, 8, false, false},
	{"sox s24 stereo 48k", "sox", "-b 24 -e signed-integer", 48000, 2, 961, 24, false, true},
	{"sox s16 6ch 32k", "sox", "-b 16 -e signed-integer", 32000, 6, 640, 16, false, true},
	{"sox wavpcm f32 stereo 24k", "sox -t wavpcm", "-b 32 -e floating-point", 24000, 2, 480, 32, true, false},
	{"sox wavpcm s32 mono 8k", "sox -t wavpcm", "-b 32 -e signed-integer", 8000, 1, 399, 32, false, false},
}

// generate makes the file g describes: a different tone per channel, the
// first near full scale so that the extreme sample values occur. Files are
// made once per test binary: the tools take most of this package's test time.
func generate(t *testing.T, g generated) []byte {
	t.Helper()
	genMu.Lock()
	defer genMu.Unlock()
	if b, ok := genCache[g.name]; ok {
		return b
	}
	out := filepath.Join(t.TempDir(), "g.wav")
	if g.tool == "ffmpeg" {
		var expr []string
		for ch := range g.channels {
			expr = append(expr, strconv.FormatFloat(1.0/float64(ch+1), 'f', 3, 64)+"*sin(2*PI*"+strconv.Itoa(220*(ch+1))+"*t)")
		}
		run(t, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "aevalsrc="+strings.Join(expr, "|")+":s="+strconv.Itoa(g.rate),
			"-af", "atrim=end_sample="+strconv.Itoa(g.frames), "-c:a", g.codec, "-y", out)
	} else {
		// Rate and channels go before -n too: synth counts samples at the input rate.
		rc := []string{"-r", strconv.Itoa(g.rate), "-c", strconv.Itoa(g.channels)}
		args := append(append(append([]string{"-D"}, rc...), "-n"), rc...)
		args = append(args, strings.Fields(g.codec)...)
		args = append(args, strings.Fields(strings.TrimPrefix(g.tool, "sox"))...)
		args = append(args, out, "synth", strconv.Itoa(g.frames)+"s")
		for ch := range g.channels {
			args = append(args, "sine", strconv.Itoa(440+220*ch))
		}
		run(t, "sox", args...)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	genCache[g.name] = b
	return b
}

var (
	genMu    sync.Mutex
	genCache = map[string][]byte{}
)

// TestDecodeAgainstFFmpeg decodes files in every format with DecodePCM and
// with ffmpeg (to float32) and requires bit-identical samples, the expected
// format description, and the same chunk list as x/image/riff.
func TestDecodeAgainstFFmpeg(t *testing.T) {
	for _, g := range generatedFiles {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			b := generate(t, g)
			p, err := DecodePCM(b)
			if err != nil {
				t.Fatal(err)
			}
			f := p.Format
			if f.Bits != g.bits || f.Float != g.float || f.Extensible != g.extensible || p.Rate != g.rate || len(p.Samples) != g.channels {
				t.Errorf("format %+v rate %d channels %d, want %d bits float=%v extensible=%v", f, p.Rate, len(p.Samples), g.bits, g.float, g.extensible)
			}
			if f.Extensible && f.ChannelMask == 0 && g.tool == "ffmpeg" {
				t.Error("ffmpeg's extensible files carry a channel mask; got 0")
			}
			if p.Frames() != g.frames {
				t.Errorf("%d frames, want %d", p.Frames(), g.frames)
			}
			want := ffmpegF32(t, b)[0]
			got := interleave(p)
			if len(got) != len(want) {
				t.Fatalf("%d samples, ffmpeg %d", len(got), len(want))
			}
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("sample %d (frame %d ch %d) = %v, ffmpeg %v", i, i/len(p.Samples), i%len(p.Samples), got[i], want[i])
				}
			}
			peak := float32(0)
			for _, v := range got {
				peak = max(peak, abs32(v))
			}
			if peak < 0.9 {
				t.Errorf("peak %v: the test signal does not reach full scale", peak)
			}

			// Our chunk list equals the strict reader's.
			f2, err := parseRIFF(b)
			if err != nil {
				t.Fatal(err)
			}
			ids, bodies := strictChunks(t, b)
			if len(ids) != len(f2.chunks) {
				t.Fatalf("x/image/riff sees %q, we see %d chunks", ids, len(f2.chunks))
			}
			for i, c := range f2.chunks {
				if string(c.id[:]) != ids[i] || !bytes.Equal(c.body(b), bodies[i]) {
					t.Errorf("chunk %d: %q vs x/image/riff %q", i, c.id[:], ids[i])
				}
			}

			// Writing back what was read gives the same file, except for 32-bit
			// integers and 64-bit floats, which keep the 24 bits of a float32.
			back, err := EncodePCM(b, p)
			if err != nil {
				t.Fatal(err)
			}
			if g.bits < 32 || g.bits == 32 && g.float {
				if !bytes.Equal(back, b) {
					t.Error("EncodePCM(DecodePCM(f)) != f")
				}
			} else {
				p2, _ := DecodePCM(back)
				if !slices.EqualFunc(p.Samples, p2.Samples, slices.Equal) {
					t.Error("32-bit: decode(encode(decode(f))) != decode(f)")
				}
			}
		})
	}
}

func interleave(p *PCM) []float32 {
	out := make([]float32, 0, p.Frames()*len(p.Samples))
	for i := range p.Frames() {
		for _, ch := range p.Samples {
			out = append(out, ch[i])
		}
	}
	return out
}

func abs32(v float32) float32 { return math.Float32frombits(math.Float32bits(v) &^ (1 << 31)) }

// TestEncodeNewLength writes a longer signal (as when an audio prompt is
// inserted) into files with extra chunks and checks the result with ffmpeg:
// the new frames decode, the fact chunk is updated, the other chunks are kept
// byte for byte, and out-of-range samples are clipped.
func TestEncodeNewLength(t *testing.T) {
	for _, g := range []generated{generatedFiles[5], generatedFiles[9], generatedFiles[14], generatedFiles[0]} {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			orig := generate(t, g)
			// Add an odd-sized foreign chunk after data, which must survive.
			orig = orig[:len(orig):len(orig)]
			if len(orig)%2 == 1 {
				orig = append(orig, 0)
			}
			orig = appendChunk(orig, [4]byte([]byte("C2PA")), []byte("odd manifest"))
			binary.LittleEndian.PutUint32(orig[4:], uint32(len(orig)-8))

			p, err := DecodePCM(orig)
			if err != nil {
				t.Fatal(err)
			}
			n := p.Frames() + 777
			for ch := range p.Samples {
				s := make([]float32, n)
				for i := range s {
					s[i] = float32(1.5 * math.Sin(float64(i*(ch+1))/10)) // beyond full scale: clipped
				}
				p.Samples[ch] = s
			}
			out, err := EncodePCM(orig, p)
			if err != nil {
				t.Fatal(err)
			}
			back, err := DecodePCM(out)
			if err != nil {
				t.Fatal(err)
			}
			if back.Frames() != n {
				t.Errorf("%d frames after EncodePCM, want %d", back.Frames(), n)
			}
			ff := ffmpegF32(t, out)[0]
			if !slices.Equal(ff, interleave(back)) {
				t.Error("ffmpeg decodes different samples than DecodePCM")
			}
			for _, v := range ff {
				if v > 1 || v < -1 {
					t.Fatalf("sample %v not clipped", v)
				}
			}
			ids, bodies := strictChunks(t, out)
			oids, obodies := strictChunks(t, orig)
			if !slices.Equal(ids, oids) {
				t.Fatalf("chunks %q, want %q", ids, oids)
			}
			for i, id := range ids {
				switch id {
				case "data":
				case "fact":
					if binary.LittleEndian.Uint32(bodies[i]) != uint32(n) {
						t.Errorf("fact sample count %d, want %d", binary.LittleEndian.Uint32(bodies[i]), n)
					}
				default:
					if !bytes.Equal(bodies[i], obodies[i]) {
						t.Errorf("chunk %q changed", id)
					}
				}
			}
		})
	}
}

// TestQuantize pins the rounding and clamping rules of EncodePCM.
func TestQuantize(t *testing.T) {
	for _, tc := range []struct {
		x     float64
		shift uint
		want  int32
	}{
		{0.5 / 32768, 15, 1}, {-0.5 / 32768, 15, -1}, {0.49 / 32768, 15, 0},
		{1, 15, 32767}, {-1, 15, -32768}, {7, 15, 32767}, {-7, 15, -32768},
		{1, 7, 127}, {-1, 23, -1 << 23}, {1, 31, 1<<31 - 1}, {-1, 31, -1 << 31},
	} {
		if got := quantize(tc.x, tc.shift); got != tc.want {
			t.Errorf("quantize(%v, %d) = %d, want %d", tc.x, tc.shift, got, tc.want)
		}
	}
	// NaN and out-of-range floats, through the encoder.
	w := &waveFmt{SampleFormat: SampleFormat{Bits: 32, Float: true}, channels: 1, blockAlign: 4}
	got := make([]byte, 16)
	encode(got, [][]float32{{float32(math.NaN()), 2, -3, 0.25}}, w)
	want := []float32{0, 1, -1, 0.25}
	for i, v := range want {
		if f := math.Float32frombits(binary.LittleEndian.Uint32(got[4*i:])); f != v {
			t.Errorf("float sample %d = %v, want %v", i, f, v)
		}
	}
}

// TestQuantizeOracle checks the fast quantize against math.Round and clamping
// in float64, on every float32 that lies on or next to a rounding boundary and
// on random float32 values.
func TestQuantizeOracle(t *testing.T) {
	slow := func(x float64, shift uint) int32 {
		if x != x {
			return 0
		}
		s := float64(int64(1) << shift)
		return int32(max(-s, min(s-1, math.Round(x*s))))
	}
	var lcg uint64 = 7
	for _, shift := range []uint{7, 15, 23, 31} {
		s := float64(int64(1) << shift)
		var xs []float32
		for k := -300; k <= 300; k++ {
			// Integers and halves (in units of 1/s) near zero and near full
			// scale, and their float32 neighbours.
			for _, x := range []float32{float32(float64(k) / 2 / s), float32((s - float64(k)/2) / s), float32((float64(k)/2 - s) / s)} {
				xs = append(xs, x, math.Nextafter32(x, 2), math.Nextafter32(x, -2))
			}
		}
		for _, x := range []float64{1, -1, 1 - 0.5/s, -1 + 0.5/s, 2, -2, math.Inf(1), math.Inf(-1), math.NaN()} {
			xs = append(xs, float32(x), math.Nextafter32(float32(x), 0))
		}
		for range 200000 {
			lcg = lcg*6364136223846793005 + 1442695040888963407
			xs = append(xs, math.Float32frombits(uint32(lcg>>32))) // any bit pattern, NaNs included
		}
		for _, x := range xs {
			if got, want := quantize(float64(x), shift), slow(float64(x), shift); got != want {
				t.Fatalf("quantize(%v, %d) = %d, math.Round gives %d", x, shift, got, want)
			}
		}
	}
}

// TestGoAudioDefects pins the go-audio/wav v1.1.0 defects the ecosystem notes
// list, next to this package's behaviour on the same input, and uses go-audio
// as an independent decoder where it is correct (16-bit PCM).
func TestGoAudioDefects(t *testing.T) {
	t.Run("16-bit PCM agrees", func(t *testing.T) {
		for _, g := range []generated{generatedFiles[1], generatedFiles[2]} {
			b := generate(t, g)
			d := gowav.NewDecoder(bytes.NewReader(b))
			buf, err := d.FullPCMBuffer()
			if err != nil {
				t.Fatal(err)
			}
			p, err := DecodePCM(b)
			if err != nil {
				t.Fatal(err)
			}
			got := interleave(p)
			if len(buf.Data) != len(got) {
				t.Fatalf("go-audio %d samples, DecodePCM %d", len(buf.Data), len(got))
			}
			for i, v := range buf.Data {
				if float32(v)/32768 != got[i] {
					t.Fatalf("sample %d: go-audio %d, DecodePCM %v", i, v, got[i])
				}
			}
		}
	})
	t.Run("24-bit odd data frame count", func(t *testing.T) {
		b := generate(t, generatedFiles[5]) // 1601 frames of 3 bytes: odd data, padded
		d := gowav.NewDecoder(bytes.NewReader(b))
		buf, err := d.FullPCMBuffer()
		if err != nil {
			t.Fatal(err)
		}
		p, err := DecodePCM(b)
		if err != nil {
			t.Fatal(err)
		}
		if p.Frames() != 1601 {
			t.Errorf("DecodePCM: %d frames, want 1601", p.Frames())
		}
		t.Logf("go-audio: %d frames for 1601 (pad byte counted as audio)", buf.NumFrames())
	})
	t.Run("float and extensible told apart", func(t *testing.T) {
		bi := generate(t, generatedFiles[7]) // s32, extensible
		bf := generate(t, generatedFiles[8]) // f32, extensible
		pi, err := DecodePCM(bi)
		if err != nil {
			t.Fatal(err)
		}
		pf, err := DecodePCM(bf)
		if err != nil {
			t.Fatal(err)
		}
		if pi.Format.Float || !pf.Format.Float || !pi.Format.Extensible || !pf.Format.Extensible {
			t.Errorf("formats %+v %+v", pi.Format, pf.Format)
		}
		// go-audio returns the float file's raw bit patterns as integers.
		d := gowav.NewDecoder(bytes.NewReader(bf))
		buf, err := d.FullPCMBuffer()
		if err == nil && len(buf.Data) > 100 {
			t.Logf("go-audio f32 sample 100 = %d, DecodePCM %v", buf.Data[100], interleave(pf)[100])
		}
	})
	t.Run("metadata LIST written unpadded", func(t *testing.T) {
		// go-audio writes odd INFO strings and the LIST itself without pad
		// bytes. Read tolerates it; Write makes the file well-formed.
		path := filepath.Join(t.TempDir(), "ga.wav")
		fh, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		e := gowav.NewEncoder(fh, 16000, 16, 1, 1)
		e.Metadata = &gowav.Metadata{Comments: "odd", Software: "labeler"}
		for i := range 1001 {
			if err := e.WriteFrame(int16(i)); err != nil {
				t.Fatal(err)
			}
		}
		if err := e.Close(); err != nil {
			t.Fatal(err)
		}
		fh.Close()
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := (Codec{}).Read(b); err != nil {
			t.Fatalf("Read of a go-audio file: %v", err)
		}
		out, err := Codec{}.Write(b, testRecord("goaudio", true))
		if err != nil {
			t.Fatal(err)
		}
		ids, _ := strictChunks(t, out)
		if !slices.Contains(ids, "AIGC") || !slices.Contains(ids, "LIST") {
			t.Errorf("chunks %q", ids)
		}
		p, err := DecodePCM(out)
		if err != nil || p.Frames() != 1001 || p.Samples[0][1000] != 1000.0/32768 {
			t.Errorf("samples after labeling a go-audio file: %v", err)
		}
	})
}

// TestEncodeGolden pins EncodePCM's output for a signal made with integer
// arithmetic only, in every sample format, so that the native and WASM builds
// (GOOS=wasip1 go test) are checked to write the same bytes.
func TestEncodeGolden(t *testing.T) {
	ext := func(tag, bits int) []byte {
		b := append(fmtPCM(0xFFFE, 2, 8000, bits), 22, 0, byte(bits), 0, 3, 0, 0, 0, byte(tag), 0, 0, 0)
		return append(b, subFormatTail[:]...)
	}
	fmts := map[string][]byte{
		"u8": fmtPCM(1, 2, 8000, 8), "s16": fmtPCM(1, 2, 8000, 16), "s24": ext(1, 24),
		"s32": fmtPCM(1, 2, 8000, 32), "f32": ext(3, 32), "f64": fmtPCM(3, 2, 8000, 64),
	}
	want := map[string]string{
		"u8":  "37e9db76bb023b48faef2c96f0af6912c9d1ee5be28162b17256961584a4a3bc",
		"s16": "b6a8b19bc640d04cdedb6cd0ed83c47e91ec1da8f431f88cfe8fd04e800cf43f",
		"s24": "f4c72d63217d4c0bcf9706bde31c1636b0db41da3996a0d1c486818db4caf40b",
		"s32": "1495b451f9f4ab9ce64a71b731091e1a738f050f3e5a997cc1ea011bd9bb3610",
		"f32": "c05aff2484c070f29fdd7e604995183007185231e172f4257b70069f2d069dea",
		"f64": "ec8aab95936c94d38ef7ee2b3d110933d2af9dbb0def9fe79e56ac1a21b0d767",
	}
	var lcg uint32 = 1
	p := &PCM{Rate: 8000, Samples: [][]float32{make([]float32, 1001), make([]float32, 1001)}}
	for i := range 1001 {
		for ch := range 2 {
			lcg = lcg*1664525 + 1013904223
			// Uniform in about [-1.25, 1.25): exercises rounding and clipping.
			p.Samples[ch][i] = float32(int32(lcg)>>8) / (1 << 23) * 1.25
		}
	}
	for name, f := range fmts {
		orig := buildWAV("fmt ", f, "data", []byte{})
		out, err := EncodePCM(orig, p)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := fmt.Sprintf("%x", sha256.Sum256(out)); got != want[name] {
			t.Errorf("%s: sha256 %s, want %s", name, got, want[name])
		}
	}
}
