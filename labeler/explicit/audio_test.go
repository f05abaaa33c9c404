package explicit

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/aigclabel/aigclabel/internal/testenv"
)

// readWAV reads a 16-bit PCM WAV into planar float32 (test helper; the
// product reader is labeler/format/wav).
func readWAV(t testing.TB, path string) ([][]float32, int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var ch, rate, bits int
	for p := 12; p+8 <= len(b); {
		id, n := string(b[p:p+4]), int(binary.LittleEndian.Uint32(b[p+4:]))
		p += 8
		n = min(n, len(b)-p)
		switch id {
		case "fmt ":
			ch = int(binary.LittleEndian.Uint16(b[p+2:]))
			rate = int(binary.LittleEndian.Uint32(b[p+4:]))
			bits = int(binary.LittleEndian.Uint16(b[p+14:]))
		case "data":
			if bits != 16 || ch == 0 {
				t.Fatalf("%s: %d-bit, %d channels", path, bits, ch)
			}
			frames := n / 2 / ch
			out := make([][]float32, ch)
			for c := range out {
				out[c] = make([]float32, frames)
				for i := range frames {
					out[c][i] = float32(int16(binary.LittleEndian.Uint16(b[p+2*(i*ch+c):]))) / 32768
				}
			}
			return out, rate
		}
		p += n + n&1
	}
	t.Fatalf("%s: no data", path)
	return nil, 0
}

// encodeWAV writes planar samples as 16-bit PCM WAV (clamped and rounded).
func encodeWAV(s [][]float32, rate int) []byte {
	ch, n := len(s), len(s[0])
	var b bytes.Buffer
	w := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("RIFF")
	w(uint32(36 + 2*ch*n))
	b.WriteString("WAVEfmt ")
	w(uint32(16))
	w(uint16(1))
	w(uint16(ch))
	w(uint32(rate))
	w(uint32(rate * ch * 2))
	w(uint16(ch * 2))
	w(uint16(16))
	b.WriteString("data")
	w(uint32(2 * ch * n))
	for i := range n {
		for c := range ch {
			w(int16(math.Round(max(-32768, min(32767, float64(s[c][i])*32768)))))
		}
	}
	return b.Bytes()
}

func corpusAudio(t *testing.T) []string {
	dir := testenv.Corpus(t, "audio")
	files, _ := filepath.Glob(filepath.Join(dir, "*.wav"))
	if c2pa, err := filepath.Abs(filepath.Join(dir, "..", "c2pa", "sample1.wav")); err == nil {
		if _, err := os.Stat(c2pa); err == nil {
			files = append(files, c2pa)
		}
	}
	return files
}

// TestRhythmShape measures the synthesized rhythm independently: tone
// frequency by zero crossings, on/off durations by an envelope threshold,
// peak level.
func TestRhythmShape(t *testing.T) {
	for _, rate := range []int{16000, 44100, 8000} {
		p, err := promptSamples(Rhythm, rate)
		if err != nil {
			t.Fatal(err)
		}
		peak := 0.0
		for _, v := range p {
			peak = max(peak, math.Abs(v))
		}
		// Level: the RMS of the steady part of the dash is peak/sqrt(2).
		ms0 := rate / 1000
		var e float64
		dash0 := p[260*ms0 : 580*ms0]
		for _, v := range dash0 {
			e += v * v
		}
		if db := 10*math.Log10(e/float64(len(dash0))) + 3.01; math.Abs(db+6.02) > 0.1 {
			t.Errorf("%d Hz: tone peak level %.2f dBFS, want -6.02", rate, db)
		}
		// Segments where the 5 ms envelope is above 10% of the peak.
		win := rate / 200
		var runs []int
		on, run := false, 0
		for i := 0; i+win <= len(p); i += win {
			e := 0.0
			for _, v := range p[i : i+win] {
				e = max(e, math.Abs(v))
			}
			now := e > 0.1*peak
			if now != on && run > 0 {
				runs = append(runs, run*5)
				run = 0
			}
			on = now
			run++
		}
		runs = append(runs, run*5)
		want := []int{120, 120, 360, 360, 120, 120, 120}
		if len(runs) != len(want) {
			t.Fatalf("%d Hz: runs %v, want %v", rate, runs, want)
		}
		for i := range want {
			if math.Abs(float64(runs[i]-want[i])) > 20 {
				t.Errorf("%d Hz: element %d lasts %d ms, want %d (runs %v)", rate, i, runs[i], want[i], runs)
			}
		}
		// Frequency from zero crossings in the dash.
		ms := rate / 1000
		dash := p[(240+20)*ms : (600-20)*ms]
		zc := 0
		for i := 1; i < len(dash); i++ {
			if (dash[i-1] < 0) != (dash[i] < 0) {
				zc++
			}
		}
		hz := float64(zc) / 2 / (float64(len(dash)) / float64(rate))
		if math.Abs(hz-ToneHz) > 10 {
			t.Errorf("%d Hz: tone at %.0f Hz", rate, hz)
		}
	}
}

// TestAddPromptNeverClips mixes prompts into full-scale audio.
func TestAddPromptNeverClips(t *testing.T) {
	rate := 22050
	loud := make([]float32, 5*rate)
	for i := range loud {
		loud[i] = 1
		if i/50%2 == 0 {
			loud[i] = -1
		}
	}
	for _, kind := range []PromptKind{Rhythm, Voice, Both} {
		out, pl, err := AddPrompt([][]float32{loud, loud}, rate, AudioOptions{Prompt: kind, At: "both"})
		if err != nil {
			t.Fatal(err)
		}
		for _, ch := range out {
			for i, v := range ch {
				if v > 1 || v < -1 {
					t.Fatalf("%s: sample %d = %v", kind, i, v)
				}
			}
		}
		if pl.MinGain > 0.5 {
			t.Errorf("%s: min gain %v on full-scale program", kind, pl.MinGain)
		}
	}
	if loud[0] != -1 || loud[50] != 1 {
		t.Fatal("input modified")
	}
}

// TestInsertPrompt checks that insertion keeps every program sample and puts
// the prompt where the placement says.
func TestInsertPrompt(t *testing.T) {
	rate := 16000
	prog := make([]float32, 12*rate)
	for i := range prog {
		prog[i] = float32(i%1000) / 2000
	}
	for _, at := range []string{"start", "end", "both", "every:5"} {
		out, pl, err := AddPrompt([][]float32{prog}, rate, AudioOptions{At: at, Insert: true})
		if err != nil {
			t.Fatal(err)
		}
		pn := RhythmDuration * rate / 1000
		gap := GapMs * rate / 1000
		if got, want := len(out[0]), len(prog)+len(pl.Spans)*(pn+gap); got != want {
			t.Errorf("%s: %d samples, want %d", at, got, want)
		}
		// Remove the spans (and their gaps) and the program must come back.
		var back []float32
		i := 0
		for _, s := range pl.Spans {
			a, b := int(math.Round(s.Start*float64(rate))), int(math.Round(s.End*float64(rate)))
			if b == len(out[0]) && a > 0 { // an end prompt follows its gap
				a -= gap
			} else { // other prompts precede theirs
				b += gap
			}
			back = append(back, out[0][i:a]...)
			i = b
		}
		back = append(back, out[0][i:]...)
		if !equalF32(back, prog) {
			t.Errorf("%s: program not kept intact (spans %v)", at, pl.Spans)
		}
		found := FindPrompt(out, rate)
		if len(found) != len(pl.Spans) {
			t.Errorf("%s: found %v, placed %v", at, found, pl.Spans)
		}
	}
}

func equalF32(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// degrade applies the robustness cases that need no external tool.
func degrade(s [][]float32, kind string, seed uint64) [][]float32 {
	out := make([][]float32, len(s))
	var pow float64
	for _, ch := range s {
		for _, v := range ch {
			pow += float64(v) * float64(v)
		}
	}
	pow /= float64(len(s) * len(s[0]))
	sigma := math.Sqrt(pow / 1000) // 30 dB SNR
	rng := rand.New(rand.NewPCG(seed, 7))
	for c, ch := range s {
		out[c] = make([]float32, len(ch))
		for i, v := range ch {
			switch kind {
			case "half":
				out[c][i] = v / 2
			case "noise30":
				out[c][i] = v + float32(rng.NormFloat64()*sigma)
			default:
				out[c][i] = v
			}
		}
	}
	return out
}

// degradeCase applies one named robustness case: clean, half, noise30,
// mp3-128 or mp3-64.
func degradeCase(t *testing.T, s [][]float32, rate int, c string, seed uint64) [][]float32 {
	switch c {
	case "mp3-128":
		return mp3RoundTrip(t, s, rate, 128)
	case "mp3-64":
		return mp3RoundTrip(t, s, rate, 64)
	}
	return degrade(s, c, seed)
}

// mp3RoundTrip encodes with lame at kbps and decodes with ffmpeg to float.
func mp3RoundTrip(t *testing.T, s [][]float32, rate, kbps int) [][]float32 {
	t.Helper()
	lame := testenv.Tool(t, "lame")
	ffmpeg := testenv.Tool(t, "ffmpeg")
	dir := t.TempDir()
	wav, mp3 := filepath.Join(dir, "in.wav"), filepath.Join(dir, "out.mp3")
	if err := os.WriteFile(wav, encodeWAV(s, rate), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(lame, "--quiet", "-b", fmt.Sprint(kbps), wav, mp3).CombinedOutput(); err != nil {
		t.Fatalf("lame: %v %s", err, out)
	}
	raw, err := exec.Command(ffmpeg, "-v", "error", "-i", mp3, "-f", "f32le", "-ac", fmt.Sprint(len(s)), "-ar", fmt.Sprint(rate), "-").Output()
	if err != nil {
		t.Fatalf("ffmpeg: %v", err)
	}
	n := len(raw) / 4 / len(s)
	out := make([][]float32, len(s))
	for c := range out {
		out[c] = make([]float32, n)
		for i := range n {
			out[c][i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*(i*len(s)+c):]))
		}
	}
	return out
}

// TestFindPromptCorpus labels corpus audio, degrades it, and finds the
// prompt where it was put; unlabeled audio yields nothing.
func TestFindPromptCorpus(t *testing.T) {
	for fi, path := range corpusAudio(t) {
		s, rate := readWAV(t, path)
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if f := FindPrompt(s, rate); len(f) != 0 {
				t.Errorf("unlabeled %s: found %v", name, f)
			}
			best := 0.0
			for _, v := range rhythmScores(s, rate) {
				best = max(best, v)
			}
			t.Logf("unlabeled %s: best rhythm correlation %.3f", name, best)
			at := []string{"start", "end", "both", "every:5"}[fi%4]
			labeled, pl, err := AddPrompt(s, rate, AudioOptions{At: at})
			if err != nil {
				t.Fatal(err)
			}
			cases := []string{"clean", "half", "noise30", "mp3-128", "mp3-64"}
			for _, c := range cases {
				d := degradeCase(t, labeled, rate, c, uint64(fi))
				found := FindPrompt(d, rate)
				if len(found) != len(pl.Spans) {
					t.Errorf("%s %s at %s: found %v, placed %v", name, c, at, found, pl.Spans)
					continue
				}
				for i, f := range found {
					// MP3 adds encoder delay (about 50 ms with lame).
					if d := f.Start - pl.Spans[i].Start; d < -0.03 || d > 0.08 {
						t.Errorf("%s %s: prompt %d at %.3f s, placed at %.3f s", name, c, i, f.Start, pl.Spans[i].Start)
					}
				}
				t.Logf("%s %s at %s: %v", name, c, at, found)
			}
		})
	}
}

// TestFindVoiceCorpus mixes the voice prompt (and both prompts) into corpus
// audio and finds it after the degradations; logs unlabeled best scores.
func TestFindVoiceCorpus(t *testing.T) {
	for fi, path := range corpusAudio(t) {
		s, rate := readWAV(t, path)
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			best := 0.0
			for _, v := range voiceScores(s, rate) {
				best = max(best, v)
			}
			t.Logf("unlabeled %s: best voice correlation %.3f", name, best)
			for _, f := range FindPrompt(s, rate) {
				t.Errorf("unlabeled %s: found %+v", name, f)
			}
			kind := []PromptKind{Voice, Both}[fi%2]
			at := []string{"end", "start"}[fi%2]
			labeled, pl, err := AddPrompt(s, rate, AudioOptions{Prompt: kind, At: at})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []string{"clean", "half", "noise30", "mp3-64"} {
				d := degradeCase(t, labeled, rate, c, uint64(fi))
				found := FindPrompt(d, rate)
				var kinds []PromptKind
				for _, f := range found {
					kinds = append(kinds, f.Kind)
				}
				want := []PromptKind{Voice}
				if kind == Both {
					want = []PromptKind{Rhythm, Voice}
				}
				if fmt.Sprint(kinds) != fmt.Sprint(want) {
					t.Errorf("%s %s %s: found %+v", name, kind, c, found)
					continue
				}
				v := found[len(found)-1]
				if d := v.End - pl.Spans[0].End; d < -0.05 || d > 0.08 {
					t.Errorf("%s %s: voice ends at %.3f s, prompt at %.3f s", name, c, v.End, pl.Spans[0].End)
				}
				t.Logf("%s %s %s: %+v", name, kind, c, found)
			}
		})
	}
}
