package explicit

import (
	"cmp"
	"math"
	"slices"
)

// PromptFinding is an audible label found in audio.
type PromptFinding struct {
	Kind       PromptKind `json:"kind"`
	Start      float64    `json:"start"` // seconds
	End        float64    `json:"end"`
	Confidence float64    `json:"confidence"` // correlation with the expected rhythm, 0..1
}

// Rhythm detection thresholds, set from the corpus (see findprompt_test.go):
// labeled corpus audio after MP3 128k/64k, halving and 30 dB noise scores
// 0.95-0.97; unlabeled corpus audio at most 0.55 (music with 800 Hz content).
const (
	MinRhythmCorrelation = 0.7
	minOnRatio           = 0.3 // mean tone share of the "on" frames
)

const (
	frameMs = 10 // analysis hop; windows are two hops long
	guardMs = 200
)

// rhythmTemplate is the expected tone-share shape, one value per frame: +1
// where the tone sounds, -1 where it is silent, including guard frames of
// silence before and after.
var rhythmTemplate = func() []float64 {
	var t []float64
	for i := 0; i < guardMs/frameMs; i++ {
		t = append(t, -1)
	}
	for i, d := range rhythmPattern {
		v := -1.0
		if i%2 == 0 {
			v = 1
		}
		for j := 0; j < d/frameMs; j++ {
			t = append(t, v)
		}
	}
	for i := 0; i < guardMs/frameMs; i++ {
		t = append(t, -1)
	}
	return t
}()

// mono returns the average of the channels at sample i. Detectors read it
// on the fly rather than building a mono copy: hours of audio would need
// gigabytes for it.
func mono(samples [][]float32, i int) float64 {
	if len(samples) == 1 {
		return float64(samples[0][i])
	}
	var s float64
	for _, ch := range samples {
		s += float64(ch[i])
	}
	return s / float64(len(samples))
}

// toneShare returns, per frame of frameMs, the share of the signal's energy
// at ToneHz in a window of two frames (Goertzel), in [0, 1] for a pure tone.
func toneShare(samples [][]float32, rate int) []float64 {
	n := len(samples[0])
	hop := rate * frameMs / 1000
	win := 2 * hop
	if hop < 1 || n < win {
		return nil
	}
	coef := 2 * math.Cos(2*math.Pi*ToneHz/float64(rate))
	floor := float64(win) * 1e-8 // -80 dBFS: silence is not "tone"
	frames := (n-win)/hop + 1
	share := make([]float64, frames)
	for f := range share {
		var s1, s2, e float64
		for i := f * hop; i < f*hop+win; i++ {
			x := mono(samples, i)
			s0 := x + float64(coef*s1) - s2
			s2, s1 = s1, s0
			e += float64(x * x)
		}
		pow := float64(s1*s1) + float64(s2*s2) - float64(coef*float64(s1*s2))
		share[f] = min(1, 2*pow/(float64(win)*(e+floor)))
	}
	return share
}

// FindPrompt finds audible labels in planar samples at rate Hz, sorted by
// start time. Rhythm prompts (Morse "AI" at ToneHz): a matched filter
// correlates the per-frame tone share with the expected on/off pattern.
// Voice prompts (aigclabel's own clip): the log band energies over time are
// correlated with the clip's. Both survive MP3 coding, level changes and
// noise, since they look at timing and spectral shape, not sample values.
// Other voices saying 人工智能生成 are not recognised.
// rhythmScores returns, for each start frame, the correlation of the tone
// share with rhythmTemplate (0 where the "on" frames hold too little tone).
func rhythmScores(samples [][]float32, rate int) []float64 {
	if len(samples) == 0 || len(samples[0]) == 0 || rate < 2*ToneHz+1 {
		return nil
	}
	share := toneShare(samples, rate)
	tl := len(rhythmTemplate)
	guard := guardMs / frameMs
	// Pad with silence so prompts at the very start or end can match.
	r := make([]float64, 0, len(share)+2*guard)
	r = append(r, make([]float64, guard)...)
	r = append(r, share...)
	r = append(r, make([]float64, guard)...)
	if len(r) < tl {
		return nil
	}
	var tm, tv float64
	for _, v := range rhythmTemplate {
		tm += v
	}
	tm /= float64(tl)
	for _, v := range rhythmTemplate {
		tv += float64((v - tm) * (v - tm))
	}
	scores := make([]float64, len(r)-tl+1)
	for s := range scores {
		w := r[s : s+tl]
		var m, dot, vv, on float64
		non := 0
		for i, v := range w {
			m += v
			if rhythmTemplate[i] > 0 {
				on += v
				non++
			}
		}
		m /= float64(tl)
		for i, v := range w {
			d := v - m
			dot += float64(d * (rhythmTemplate[i] - tm))
			vv += float64(d * d)
		}
		if vv == 0 || on/float64(non) < minOnRatio {
			continue
		}
		scores[s] = dot / math.Sqrt(float64(vv*tv))
	}
	return scores
}

func FindPrompt(samples [][]float32, rate int) []PromptFinding {
	scores := rhythmScores(samples, rate)
	var out []PromptFinding
	for _, s := range peaks(scores, MinRhythmCorrelation, RhythmDuration/frameMs) {
		// Start s pads guard frames of silence before the pattern, which
		// therefore begins at frame s of the unpadded signal: s*frameMs.
		start := float64(s*frameMs) / 1000
		out = append(out, PromptFinding{
			Kind: Rhythm, Start: start, End: start + float64(RhythmDuration)/1000,
			Confidence: math.Round(scores[s]*1000) / 1000,
		})
	}
	vs := voiceScores(samples, rate)
	_, _, vl := voiceTemplate()
	for _, s := range peaks(vs, MinVoiceCorrelation, vl) {
		start := float64(s*frameMs) / 1000
		out = append(out, PromptFinding{
			Kind: Voice, Start: start, End: start + float64(vl*frameMs)/1000,
			Confidence: math.Round(vs[s]*1000) / 1000,
		})
	}
	slices.SortFunc(out, func(a, b PromptFinding) int { return cmp.Compare(a.Start, b.Start) })
	return out
}
