package explicit

import (
	"math"
	"sync"
)

// MinVoiceCorrelation is the score FindPrompt requires for the voice prompt:
// the correlation of log band energies over time (each band's mean removed)
// with those of the embedded clip. Labeled corpus audio scores 0.64-0.89
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

// voiceFeatures returns the log energy at each of voiceBands, every frameMs
// over two frames (Goertzel), frame after frame in one slice, and the number
// of frames. It works at the signal's own rate: the window holds a rate-
// dependent number of samples, which only adds a constant to each band's
// log energy, and the correlation removes each band's mean.
func voiceFeatures(samples [][]float32, rate int) ([]float64, int) {
	n := len(samples[0])
	hop := rate * frameMs / 1000
	win := 2 * hop
	if hop < 1 || n < win {
		return nil, 0
	}
	frames := (n-win)/hop + 1
	nb := len(voiceBands)
	coefs := make([]float64, nb)
	for i, hz := range voiceBands {
		coefs[i] = 2 * math.Cos(2*math.Pi*hz/float64(rate))
	}
	x := make([]float64, win)
	out := make([]float64, frames*nb)
	for f := range frames {
		for i := range x {
			x[i] = mono(samples, f*hop+i)
		}
		for b, c := range coefs {
			var s1, s2 float64
			for _, v := range x {
				s0 := v + float64(c*s1) - s2
				s2, s1 = s1, s0
			}
			p := float64(s1*s1) + float64(s2*s2) - float64(c*float64(s1*s2))
			out[f*nb+b] = math.Log(p/float64(win) + 1e-6)
		}
	}
	return out, frames
}

var (
	voiceOnce sync.Once
	voiceTmpl []float64 // zero-mean flattened features of the clip
	voiceNorm float64
	voiceLen  int // frames
)

func voiceTemplate() ([]float64, float64, int) {
	voiceOnce.Do(func() {
		clip := voice16k()
		c32 := make([]float32, len(clip))
		for i, v := range clip {
			c32[i] = float32(v)
		}
		voiceTmpl, voiceLen = voiceFeatures([][]float32{c32}, refRate)
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
	if rate < 8000 {
		return nil // the bands reach 4 kHz
	}
	flat, frames := voiceFeatures(samples, rate)
	tmpl, tnorm, tl := voiceTemplate()
	if frames < tl || tnorm == 0 {
		return nil
	}
	nb := len(voiceBands)
	// Per band, the window's mean is removed (the template's already is):
	// a fixed spectral tilt (the program under the prompt, a codec's
	// filtering) does not count. Running sums give each window's per-band
	// sum and sum of squares.
	scores := make([]float64, frames-tl+1)
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
