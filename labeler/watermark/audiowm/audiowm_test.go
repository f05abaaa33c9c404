package audiowm

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/aigclabel/aigclabel/internal/testenv"
	"github.com/aigclabel/aigclabel/labeler/format/wav"
)

func TestRoundTrip(t *testing.T) {
	cases := []struct{ rate, ch int }{{8000, 1}, {16000, 1}, {44100, 2}, {48000, 2}, {96000, 6}}
	for i, c := range cases {
		t.Run(fmt.Sprintf("%dHz_%dch", c.rate, c.ch), func(t *testing.T) {
			t.Parallel()
			orig := synth(c.rate, c.ch, 20, uint64(i))
			m := clone(orig)
			id := uint64(0x0123456789abcdef) ^ uint64(i)
			if err := Embed(m, c.rate, id, DevKey, Options{}); err != nil {
				t.Fatal(err)
			}
			if q := snr(orig, m); q < DefaultSNR-0.05 {
				t.Errorf("SNR %.2f dB, want >= %.1f", q, DefaultSNR)
			}
			r, err := Detect(m, c.rate, DevKey)
			if err != nil {
				t.Fatal(err)
			}
			if !r.Found || r.Payload != id {
				t.Fatalf("got %+v, want payload %x", r, id)
			}
			t.Logf("bit errors %d, confidence %.2g, segments %v", r.BitErrors, r.Confidence, r.Segments)
		})
	}
}

func TestKeyAndUnmarked(t *testing.T) {
	orig := synth(16000, 1, 10, 3)
	m := clone(orig)
	if err := Embed(m, 16000, 42, DevKey, Options{}); err != nil {
		t.Fatal(err)
	}
	if r, err := Detect(m, 16000, []byte("another key")); err != nil || r.Found {
		t.Errorf("wrong key: %+v, %v", r, err)
	}
	if r, err := Detect(orig, 16000, DevKey); err != nil || r.Found || r.Confidence != 1 {
		t.Errorf("unmarked: %+v, %v", r, err)
	}
	if r, err := Detect(m, 16000, DevKey); err != nil || !r.Found || r.Payload != 42 {
		t.Errorf("marked: %+v, %v", r, err)
	}
}

// TestAttacks applies the attacks that need no external tool (the others
// are in bench/robustness).
func TestAttacks(t *testing.T) {
	const rate = 44100
	orig := synth(rate, 2, 30, 4)
	m := clone(orig)
	const id = 0xfeedfacecafebeef
	if err := Embed(m, rate, id, DevKey, Options{}); err != nil {
		t.Fatal(err)
	}
	n := len(m[0])
	slice := func(a, z float64) [][]float32 {
		return [][]float32{m[0][int(a*rate):min(n, int(z*rate))], m[1][int(a*rate):min(n, int(z*rate))]}
	}
	scaleBy := func(g float32) [][]float32 {
		o := clone(m)
		for _, c := range o {
			for i := range c {
				c[i] *= g
			}
		}
		return o
	}
	noisy := func(snrDB float64) [][]float32 {
		o := clone(m)
		r := rand.New(rand.NewPCG(9, 9))
		var p float64
		for _, c := range o {
			for _, v := range c {
				p += float64(v) * float64(v)
			}
		}
		sd := math.Sqrt(p / float64(2*n) / math.Pow(10, snrDB/10))
		for _, c := range o {
			for i := range c {
				c[i] += float32(sd * r.NormFloat64())
			}
		}
		return o
	}
	resampled := func(via int) [][]float32 {
		o := make([][]float32, 2)
		for k, c := range m {
			x := make([]float64, n)
			for i, v := range c {
				x[i] = float64(v)
			}
			lo := resample(x, rate, via, 0.45*float64(via), int(int64(n)*int64(via)/rate))
			back := resample(lo, via, rate, 0.45*float64(via), n)
			o[k] = make([]float32, n)
			for i, v := range back {
				o[k][i] = float32(v)
			}
		}
		return o
	}
	cases := []struct {
		name string
		in   [][]float32
	}{
		{"cut first 1.3 s", slice(1.3, 30)},
		{"excerpt 6-28 s", slice(6, 28)},
		{"volume x0.5", scaleBy(0.5)},
		{"noise 30 dB", noisy(30)},
		{"resample 16 kHz and back", resampled(16000)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r, err := Detect(c.in, rate, DevKey)
			if err != nil || !r.Found || r.Payload != id {
				t.Errorf("%+v, %v", r, err)
			}
			t.Logf("bit errors %d", r.BitErrors)
		})
	}
}

// TestSplice: a marked stretch followed by unmarked audio is found, and the
// segments lie in the marked part.
func TestSplice(t *testing.T) {
	const rate = 16000
	m := synth(rate, 1, 24, 5)
	if err := Embed(m, rate, 7, DevKey, Options{}); err != nil {
		t.Fatal(err)
	}
	s := [][]float32{append(m[0], synth(rate, 1, 16, 6)[0]...)}
	r, err := Detect(s, rate, DevKey)
	if err != nil || !r.Found || r.Payload != 7 {
		t.Fatalf("%+v, %v", r, err)
	}
	covered := 0.0
	for _, g := range r.Segments {
		if g.End > 25 {
			t.Errorf("segment %v reaches into the unmarked part (from 24 s)", g)
		}
		covered += g.End - g.Start
	}
	if covered < 16 {
		t.Errorf("segments %v cover %.0f s of the 24 marked seconds", r.Segments, covered)
	}
}

func TestErrors(t *testing.T) {
	ok := synth(8000, 1, 3, 1)
	silent := [][]float32{make([]float32, 8000*5)}
	lowOnly := [][]float32{make([]float32, 8000*5)}
	for i := range lowOnly[0] {
		lowOnly[0][i] = float32(0.5 * math.Sin(2*math.Pi*60*float64(i)/8000))
	}
	cases := []struct {
		name string
		s    [][]float32
		rate int
		key  []byte
		want error
	}{
		{"too short", [][]float32{ok[0][:8000]}, 8000, DevKey, ErrTooShort},
		{"silent", silent, 8000, DevKey, ErrSilent},
		{"only 60 Hz", lowOnly, 8000, DevKey, ErrSilent},
		{"rate", ok, 4000, DevKey, ErrRate},
		{"no channels", nil, 8000, DevKey, ErrChannels},
		{"unequal channels", [][]float32{ok[0], ok[0][:100]}, 8000, DevKey, ErrChannels},
		{"no key", ok, 8000, nil, ErrNoKey},
	}
	for _, c := range cases {
		before := clone(c.s)
		if err := Embed(c.s, c.rate, 1, c.key, Options{}); !errors.Is(err, c.want) {
			t.Errorf("%s: Embed error %v, want %v", c.name, err, c.want)
		}
		if snrSame(before, c.s) == false {
			t.Errorf("%s: Embed changed the samples on error", c.name)
		}
		_, err := Detect(c.s, c.rate, c.key)
		if c.want == ErrSilent {
			if err != nil {
				t.Errorf("%s: Detect error %v, want none (not found)", c.name, err)
			}
		} else if !errors.Is(err, c.want) {
			t.Errorf("%s: Detect error %v, want %v", c.name, err, c.want)
		}
	}
}

func snrSame(a, b [][]float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
		for j := range a[i] {
			if a[i][j] != b[i][j] {
				return false
			}
		}
	}
	return true
}

// corpusClip reads the 30-s 44.1 kHz stereo music clip of the corpus.
func corpusClip(t *testing.T) ([]byte, *wav.PCM) {
	return corpusAudio(t, "music_c2pa_mp3src_44k_stereo_30s.wav")
}

// corpusAudio reads a WAV clip of the corpus's audio directory.
func corpusAudio(t *testing.T, name string) ([]byte, *wav.PCM) {
	path := testenv.Corpus(t, "audio", name)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := wav.DecodePCM(raw)
	if err != nil {
		t.Fatal(err)
	}
	return raw, p
}

// TestCorpus marks a real 44.1 kHz stereo music clip, written and read
// back through the WAV codec as 16-bit PCM.
func TestCorpus(t *testing.T) {
	raw, p := corpusClip(t)
	orig := clone(p.Samples)
	if err := Embed(p.Samples, p.Rate, 0x5eed, DevKey, Options{}); err != nil {
		t.Fatal(err)
	}
	t.Logf("SNR %.2f dB", snr(orig, p.Samples))
	out, err := wav.EncodePCM(raw, p)
	if err != nil {
		t.Fatal(err)
	}
	q, err := wav.DecodePCM(out)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Detect(q.Samples, q.Rate, DevKey)
	if err != nil || !r.Found || r.Payload != 0x5eed {
		t.Fatalf("%+v, %v", r, err)
	}
	t.Logf("bit errors %d, segments %v", r.BitErrors, r.Segments)
}

// TestExcerpts: 5-second excerpts of a marked corpus clip, cut anywhere
// (not on slot boundaries), decode on their own, and their segments cover
// them at 1-second resolution.
func TestExcerpts(t *testing.T) {
	_, p := corpusClip(t)
	const id = 0x0ddba11
	if err := Embed(p.Samples, p.Rate, id, DevKey, Options{}); err != nil {
		t.Fatal(err)
	}
	for _, start := range []float64{0.37, 9.81, 24.6} {
		t.Run(fmt.Sprint(start), func(t *testing.T) {
			t.Parallel()
			a, z := int(start*float64(p.Rate)), int((start+5)*float64(p.Rate))
			ex := [][]float32{p.Samples[0][a:z], p.Samples[1][a:z]}
			r, err := Detect(ex, p.Rate, DevKey)
			if err != nil || !r.Found || r.Payload != id {
				t.Fatalf("%+v, %v", r, err)
			}
			covered := 0.0
			for _, g := range r.Segments {
				covered += g.End - g.Start
			}
			if covered < 4 {
				t.Errorf("segments %v cover %.0f of 5 s", r.Segments, covered)
			}
			t.Logf("bit errors %d, segments %v", r.BitErrors, r.Segments)
		})
	}
}

// TestCapCost checks the cap against the sum it must meet, computed
// directly, and the cases where nothing needs capping.
func TestCapCost(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	costs := make([]float64, 500)
	var sum float64
	for i := range costs {
		costs[i] = math.Exp(4 * r.NormFloat64()) // spread over decades, as units' energies are
		sum += costs[i]
	}
	if c := capCost(costs, sum*1.01); c != -1 {
		t.Errorf("budget above the sum: cap %g, want -1", c)
	}
	for _, share := range []float64{0.9, 0.5, 0.3} {
		budget := share * sum
		c := capCost(costs, budget)
		var got float64
		for _, x := range costs {
			got += min(x, max(c, minShare*minShare*x))
		}
		if math.Abs(got-budget) > 1e-9*budget {
			t.Errorf("share %.1f: capped sum %g, want %g", share, got, budget)
		}
	}
	// Below the least share every unit makes: the cap is 0.
	if c := capCost(costs, minShare*minShare*sum/2); c != 0 {
		t.Errorf("budget below the floor: cap %g, want 0", c)
	}
}

// TestMP3Music: a corpus music clip marked with a key whose layout lost
// synchronisation under MP3 at 64 kbit/s (lame) while the lattice fit alone
// chose the alignment decodes, through lame itself.
func TestMP3Music(t *testing.T) {
	lame := testenv.Tool(t, "lame")
	raw, p := corpusAudio(t, "music_c2pa_flac_44k_stereo.wav")
	key := []byte("k4 aigclabel")
	const id = 0x5ca1ab1e
	if err := Embed(p.Samples, p.Rate, id, key, Options{}); err != nil {
		t.Fatal(err)
	}
	out, err := wav.EncodePCM(raw, p)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	in, mp3, back := filepath.Join(dir, "in.wav"), filepath.Join(dir, "mid.mp3"), filepath.Join(dir, "out.wav")
	if err := os.WriteFile(in, out, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"--quiet", "-b", "64", in, mp3}, {"--quiet", "--decode", mp3, back}} {
		if o, err := exec.Command(lame, args...).CombinedOutput(); err != nil {
			t.Fatalf("lame %v: %v: %s", args, err, o)
		}
	}
	dec, err := os.ReadFile(back)
	if err != nil {
		t.Fatal(err)
	}
	q, err := wav.DecodePCM(dec)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Detect(q.Samples, q.Rate, key)
	if err != nil || !r.Found || r.Payload != id {
		t.Fatalf("%+v, %v", r, err)
	}
	t.Logf("bit errors %d", r.BitErrors)
}
