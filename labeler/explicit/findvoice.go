package explicit

import (
	"math"
	"sync"

	"github.com/aigclabel/aigclabel/labeler/explicit/resample"
)

// MinVoiceCorrelation is the score FindPrompt requires for the voice prompt:
// the correlation of log band energies over time (each band's mean removed)
// with those of the embedded clip. Labeled corpus audio scores 0.62-0.88
// (clean, halved, 30 dB noise, MP3 64k; lowest under speech); the best
// offset in unlabeled corpus audio (speech included) scores at most 0.22.
// The rhythm has the wider margin: prefer it (or both) where detection matters.
const MinVoiceCorrelation = 0.45

// Voice features: every frameMs, the log energy at voiceBands frequencies
// (Goertzel over two frames), at 16 kHz.
var voiceBands = func() []float64 {
	var f []float64
	for hz := 250.0; hz < 4000; hz *= 1.25 {
		f = append(f, hz)
	}
	return f
}()

// voiceFeatures returns frames x bands log energies of a 16 kHz signal, each
// frame with its mean over bands and time removed later by the correlation.
func voiceFeatures(x []float64) [][]float64 {
	hop := refRate * frameMs / 1000
	win := 2 * hop
	if len(x) < win {
		return nil
	}
	frames := (len(x)-win)/hop + 1
	coefs := make([]float64, len(voiceBands))
	for i, hz := range voiceBands {
		coefs[i] = 2 * math.Cos(2*math.Pi*hz/refRate)
	}
	out := make([][]float64, frames)
	for f := range out {
		seg := x[f*hop : f*hop+win]
		row := make([]float64, len(coefs))
		for b, c := range coefs {
			var s1, s2 float64
			for _, v := range seg {
				s0 := v + float64(c*s1) - s2
				s2, s1 = s1, s0
			}
			p := float64(s1*s1) + float64(s2*s2) - float64(c*float64(s1*s2))
			row[b] = math.Log(p + 1e-4)
		}
		out[f] = row
	}
	return out
}

var (
	voiceOnce sync.Once
	voiceTmpl []float64 // zero-mean flattened features of the clip
	voiceNorm float64
	voiceLen  int // frames
)

func voiceTemplate() ([]float64, float64, int) {
	voiceOnce.Do(func() {
		feat := voiceFeatures(voice16k())
		voiceLen = len(feat)
		for _, row := range feat {
			voiceTmpl = append(voiceTmpl, row...)
		}
		nb := len(voiceBands)
		for b := range nb {
			var m float64
			for f := range voiceLen {
				m += voiceTmpl[f*nb+b]
			}
			m /= float64(voiceLen)
			for f := range voiceLen {
				voiceTmpl[f*nb+b] -= m
			}
		}
		for _, v := range voiceTmpl {
			voiceNorm += float64(v * v)
		}
		voiceNorm = math.Sqrt(voiceNorm)
	})
	return voiceTmpl, voiceNorm, voiceLen
}

// voiceScores correlates the clip's features with the program's at every
// frame offset.
func voiceScores(samples [][]float32, rate int) []float64 {
	if len(samples) == 0 || len(samples[0]) == 0 {
		return nil
	}
	mono := make([]float64, len(samples[0]))
	for _, ch := range samples {
		for i, v := range ch {
			mono[i] += float64(v)
		}
	}
	for i := range mono {
		mono[i] /= float64(len(samples))
	}
	if rate != refRate {
		r, err := resample.New(rate, refRate)
		if err != nil {
			return nil
		}
		mono = r.Resample(mono)
	}
	feat := voiceFeatures(mono)
	tmpl, tnorm, tl := voiceTemplate()
	if len(feat) < tl || tnorm == 0 {
		return nil
	}
	nb := len(voiceBands)
	flat := make([]float64, 0, len(feat)*nb)
	for _, row := range feat {
		flat = append(flat, row...)
	}
	// Per band, the window's mean is removed (the template's already is):
	// a fixed spectral tilt (the program under the prompt, a codec's
	// filtering) does not count. Running sums give each window's per-band
	// sum and sum of squares.
	scores := make([]float64, len(feat)-tl+1)
	sum := make([]float64, nb)
	sq := make([]float64, nb)
	for f := range tl {
		for b := range nb {
			v := flat[f*nb+b]
			sum[b] += v
			sq[b] += float64(v * v)
		}
	}
	for s := range scores {
		if s > 0 {
			for b := range nb {
				o, v := flat[(s-1)*nb+b], flat[(s+tl-1)*nb+b]
				sum[b] += v - o
				sq[b] += float64(v*v) - float64(o*o)
			}
		}
		w := flat[s*nb : (s+tl)*nb]
		var dot, vv float64
		for i, v := range w {
			dot += float64(v * tmpl[i])
		}
		for b := range nb {
			vv += sq[b] - float64(sum[b]*sum[b])/float64(tl)
		}
		if vv <= 0 {
			continue
		}
		scores[s] = dot / (tnorm * math.Sqrt(vv))
	}
	return scores
}

// peaks returns the offsets of local maxima of scores at or above min, at
// least sep apart.
func peaks(scores []float64, min float64, sep int) []int {
	var out []int
	for s, c := range scores {
		if c < min {
			continue
		}
		best := true
		for k := max(0, s-sep); k < len(scores) && k <= s+sep; k++ {
			if scores[k] > c || scores[k] == c && k < s {
				best = false
				break
			}
		}
		if best {
			out = append(out, s)
		}
	}
	return out
}
