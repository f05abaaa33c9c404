package explicit

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/aigclabel/aigclabel/labeler/explicit/resample"
	"github.com/aigclabel/aigclabel/labeler/explicit/voice"
)

// PromptKind selects the audible label (GB 45438 5.3 a: voice or rhythm).
type PromptKind string

// The prompt kinds. The zero value means Rhythm.
const (
	Rhythm PromptKind = "rhythm" // Morse "AI", ·− ·· ("short-long short-short")
	Voice  PromptKind = "voice"  // 人工智能生成 spoken in Mandarin
	Both   PromptKind = "both"   // rhythm, a short pause, then the voice
)

// Rhythm timing (aigclabel decision 7; the standard gives none), at the
// 16 kHz reference rate the prompts are built at.
const (
	ToneHz       = 800
	DotMs        = 120
	DashMs       = 360
	ElementGapMs = 120 // between the elements of a letter
	LetterGapMs  = 360 // between A and I
	FadeMs       = 10
	// PromptPeak is the prompts' peak amplitude: -6 dBFS.
	PromptPeak = 0.5
	// DuckGain is the program's gain under a mixed prompt (-12 dB), lowered
	// further where the program is loud enough that the sum could clip.
	DuckGain = 0.25
	// RampMs is the length of the gain ramps around a ducked region.
	RampMs = 20
	// GapMs is the silence between an inserted prompt and the program, and
	// between the rhythm and the voice in Both.
	GapMs = 300
)

// rhythmPattern is the on/off sequence of Morse "AI" in milliseconds, tone first.
var rhythmPattern = []int{DotMs, ElementGapMs, DashMs, LetterGapMs, DotMs, ElementGapMs, DotMs}

// RhythmDuration is the rhythm prompt's length in milliseconds (1320).
const RhythmDuration = DotMs + ElementGapMs + DashMs + LetterGapMs + DotMs + ElementGapMs + DotMs

const refRate = voice.Rate // 16 kHz: the rhythm and the voice clip are built here

// sine800 is one period of the 800 Hz tone at 16 kHz (exactly 20 samples),
// at PromptPeak, rounded to 16-bit steps: an integer table, so the rhythm has
// the same samples on every platform.
var sine800 = func() [20]int32 {
	var t [20]int32
	for i := range t {
		t[i] = int32(math.Round(16384 * math.Sin(2*math.Pi*float64(i)/20)))
	}
	return t
}()

// rhythm16k builds the rhythm at 16 kHz, in 1/32768 units.
func rhythm16k() []float64 {
	ms := refRate / 1000
	fade := FadeMs * ms
	out := make([]float64, RhythmDuration*ms)
	p := 0
	for i, d := range rhythmPattern {
		n := d * ms
		if i%2 == 0 { // tone
			for k := range n {
				g := int32(min(k, n-1-k, fade))
				out[p+k] = float64(sine800[k%20]*g/int32(fade)) / 32768
			}
		}
		p += n
	}
	return out
}

// voice16k returns the voice clip at 16 kHz scaled to PromptPeak.
func voice16k() []float64 {
	s := voice.Samples()
	peak := 1
	for _, v := range s {
		peak = max(peak, int(v), -int(v))
	}
	out := make([]float64, len(s))
	for i, v := range s {
		// Integer scaling to a 16384 peak, then to [-1, 1].
		out[i] = float64(int(v)*16384/peak) / 32768
	}
	return out
}

// promptSamples returns the prompt at rate Hz.
func promptSamples(kind PromptKind, rate int) ([]float64, error) {
	var p []float64
	switch kind {
	case Rhythm, "":
		p = rhythm16k()
	case Voice:
		p = voice16k()
	case Both:
		p = append(rhythm16k(), make([]float64, GapMs*refRate/1000)...)
		p = append(p, voice16k()...)
	default:
		return nil, fmt.Errorf("explicit: unknown prompt %q (want rhythm, voice or both)", kind)
	}
	r, err := resample.New(refRate, rate)
	if err != nil {
		return nil, fmt.Errorf("explicit: %w", err)
	}
	return r.Resample(p), nil
}

// At says where prompts go: "start", "end", "both" or "every:N" (N seconds).
type At struct {
	Start, End bool
	EveryMs    int // > 0: at 0, N, 2N, ... seconds of the original program
}

// MinEverySeconds is the shortest repetition interval accepted by "every:N".
const MinEverySeconds = 5

// ParseAt parses the position of audio prompts; "" means start.
func ParseAt(s string) (At, error) {
	switch s {
	case "", "start":
		return At{Start: true}, nil
	case "end":
		return At{End: true}, nil
	case "both":
		return At{Start: true, End: true}, nil
	}
	if v, ok := strings.CutPrefix(s, "every:"); ok {
		f, err := strconv.ParseFloat(strings.TrimSuffix(v, "s"), 64)
		if err == nil && f >= MinEverySeconds && f <= 86400 {
			return At{EveryMs: int(math.Round(f * 1000))}, nil
		}
	}
	return At{}, fmt.Errorf("explicit: prompt position %q: want start, end, both or every:N with N >= %d seconds", s, MinEverySeconds)
}

// AudioOptions controls AddPrompt. The zero value mixes the rhythm in at the start.
type AudioOptions struct {
	Prompt PromptKind
	At     string // see ParseAt
	// Insert puts the prompt (with GapMs of silence) between program samples,
	// lengthening the audio, instead of mixing it over the program.
	Insert bool
}

// Span is one prompt's place in the output, in seconds.
type Span struct {
	Start float64 `json:"start"`
	End   float64 `json:"end"`
}

// PromptPlacement records what AddPrompt did.
type PromptPlacement struct {
	Prompt   PromptKind `json:"prompt"`
	Inserted bool       `json:"inserted"`
	Spans    []Span     `json:"spans"`
	// MinGain is the lowest gain applied to the program under a mixed prompt
	// (DuckGain, or less where needed to avoid clipping); 1 when inserted.
	MinGain float64 `json:"minGain"`
	// Padded is the number of silent samples appended because the program
	// was shorter than a mixed prompt.
	Padded int `json:"padded,omitempty"`
}

// ErrNoAudio is returned for empty input.
var ErrNoAudio = errors.New("explicit: no audio samples")

// AddPrompt adds the audible label to planar samples (one slice per channel,
// values in [-1, 1]) at rate Hz, and returns new slices; the input is not
// modified. The prompt is built at 16 kHz and resampled to rate with a
// windowed-sinc filter, and goes to every channel.
//
// Mixed (default): the program is ducked to DuckGain (lower if its peak under
// the prompt would make the sum exceed 1) with RampMs ramps outside the
// prompt, and the prompt added, so a mixed prompt never clips. A program
// shorter than the prompt is padded with silence first. Inserted: the prompt
// and GapMs of silence go before the program (start), after it (end), or
// before each N-second stretch of it (every:N); nothing is attenuated.
func AddPrompt(samples [][]float32, rate int, opts AudioOptions) ([][]float32, PromptPlacement, error) {
	if len(samples) == 0 || len(samples[0]) == 0 {
		return nil, PromptPlacement{}, ErrNoAudio
	}
	n := len(samples[0])
	for _, c := range samples {
		if len(c) != n {
			return nil, PromptPlacement{}, errors.New("explicit: channels differ in length")
		}
	}
	at, err := ParseAt(opts.At)
	if err != nil {
		return nil, PromptPlacement{}, err
	}
	kind := opts.Prompt
	if kind == "" {
		kind = Rhythm
	}
	p, err := promptSamples(kind, rate)
	if err != nil {
		return nil, PromptPlacement{}, err
	}
	pl := PromptPlacement{Prompt: kind, Inserted: opts.Insert, MinGain: 1}
	if opts.Insert {
		return insertPrompt(samples, rate, p, at, pl)
	}
	return mixPrompt(samples, rate, p, at, pl)
}

// offsets lists where prompts of length pn start in a program of n samples.
func offsets(at At, n, pn, rate int) []int {
	var o []int
	if at.EveryMs > 0 {
		step := int(int64(at.EveryMs) * int64(rate) / 1000)
		for s := 0; s+pn <= n || s == 0; s += step {
			o = append(o, s)
		}
		return o
	}
	if at.Start {
		o = append(o, 0)
	}
	if at.End && (!at.Start || n-pn >= pn) {
		o = append(o, n-pn)
	}
	return o
}

func seconds(samples, rate int) float64 { return float64(samples) / float64(rate) }

func mixPrompt(samples [][]float32, rate int, p []float64, at At, pl PromptPlacement) ([][]float32, PromptPlacement, error) {
	n := len(samples[0])
	pn := len(p)
	if n < pn {
		pl.Padded = pn - n
		n = pn
	}
	if at.Start && at.End && n < 2*pn {
		// Both prompts would overlap: one prompt covers the whole program.
		at.End = false
	}
	out := make([][]float32, len(samples))
	for c := range out {
		out[c] = make([]float32, n)
		copy(out[c], samples[c])
	}
	pPeak := 0.0
	for _, v := range p {
		pPeak = max(pPeak, math.Abs(v))
	}
	gain := make([]float64, n) // program gain; 0 means 1 (untouched)
	ramp := RampMs * rate / 1000
	offs := offsets(at, n, pn, rate)
	for _, o := range offs {
		peak := 0.0
		for _, ch := range out {
			for _, v := range ch[o : o+pn] {
				peak = max(peak, math.Abs(float64(v)))
			}
		}
		g := DuckGain
		if peak > 0 && float64(g*peak)+pPeak > 1 {
			g = (1 - pPeak) / peak
		}
		pl.MinGain = min(pl.MinGain, g)
		set := func(i int, v float64) {
			if i >= 0 && i < n && (gain[i] == 0 || v < gain[i]) {
				gain[i] = v
			}
		}
		for i := o; i < o+pn; i++ {
			set(i, g)
		}
		// Ramps lie outside the prompt, where nothing is added.
		for k := 1; k <= ramp; k++ {
			v := g + float64((1-g)*float64(k)/float64(ramp+1))
			set(o-k, v)
			set(o+pn-1+k, v)
		}
		pl.Spans = append(pl.Spans, Span{seconds(o, rate), seconds(o+pn, rate)})
	}
	for i, g := range gain {
		if g == 0 {
			continue
		}
		for c := range out {
			out[c][i] = float32(float64(out[c][i]) * g)
		}
	}
	for _, o := range offs {
		for c := range out {
			for i, v := range p {
				out[c][o+i] = float32(float64(out[c][o+i]) + v)
			}
		}
	}
	return out, pl, nil
}

func insertPrompt(samples [][]float32, rate int, p []float64, at At, pl PromptPlacement) ([][]float32, PromptPlacement, error) {
	n := len(samples[0])
	gap := GapMs * rate / 1000
	// Cut points in the original program before which a prompt goes; n
	// means after the end.
	var cuts []int
	switch {
	case at.EveryMs > 0:
		step := int(int64(at.EveryMs) * int64(rate) / 1000)
		for s := 0; s < n; s += step {
			cuts = append(cuts, s)
		}
	default:
		if at.Start {
			cuts = append(cuts, 0)
		}
		if at.End {
			cuts = append(cuts, n)
		}
	}
	total := n + len(cuts)*(len(p)+gap)
	out := make([][]float32, len(samples))
	for c := range out {
		out[c] = make([]float32, 0, total)
	}
	prev := 0
	for _, cut := range cuts {
		for c := range out {
			out[c] = append(out[c], samples[c][prev:cut]...)
		}
		start := len(out[0])
		if cut == n && n > 0 { // end: gap, then the prompt
			start += gap
			for c := range out {
				out[c] = append(out[c], make([]float32, gap)...)
			}
		}
		for c := range out {
			for _, v := range p {
				out[c] = append(out[c], float32(v))
			}
		}
		pl.Spans = append(pl.Spans, Span{seconds(start, rate), seconds(start+len(p), rate)})
		if cut < n { // before program: the prompt, then the gap
			for c := range out {
				out[c] = append(out[c], make([]float32, gap)...)
			}
		}
		prev = cut
	}
	for c := range out {
		out[c] = append(out[c], samples[c][prev:]...)
	}
	return out, pl, nil
}
