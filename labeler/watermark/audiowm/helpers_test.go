package audiowm

import (
	"math"
	"math/rand/v2"
)

// synth makes a music-like test signal (with math.Sin and arithmetic only,
// so that it is the same on every platform): a melody of harmonic notes with
// attack and decay, a quieter second voice, and a little noise, slightly
// different in every channel.
func synth(rate, channels int, seconds float64, seed uint64) [][]float32 {
	r := rand.New(rand.NewPCG(seed, 1))
	n := int(seconds * float64(rate))
	out := make([][]float32, channels)
	for c := range out {
		out[c] = make([]float32, n)
	}
	for voice := 0; voice < 2; voice++ {
		amp := 0.25 / float64(voice+1)
		for i := 0; i < n; {
			dur := int((0.2 + 0.5*r.Float64()) * float64(rate))
			f0 := 110 * float64(voice+1)
			for s := r.IntN(36); s > 0; s-- {
				f0 *= 1.0594630943592953 // a semitone (no math.Pow: see TestGolden)
			}
			for j := 0; j < dur && i+j < n; j++ {
				t := float64(j) / float64(rate)
				env := math.Min(1, t*50) / (1 + float64(3*t) + float64(4.5*t*t))
				var v float64
				for h := 1; h <= 6; h++ {
					if f := f0 * float64(h); f < float64(rate)/2 {
						v += math.Sin(2*math.Pi*f*t) / float64(h)
					}
				}
				for c := range out {
					pan := 1 - 0.3*float64((c+voice)%2)
					out[c][i+j] += float32(amp * env * v * pan * 0.5)
				}
			}
			i += dur
		}
	}
	for c := range out {
		for i := range out[c] {
			out[c][i] += float32(0.003 * r.NormFloat64())
		}
	}
	return out
}

func clone(s [][]float32) [][]float32 {
	o := make([][]float32, len(s))
	for i := range s {
		o[i] = append([]float32(nil), s[i]...)
	}
	return o
}

// snr returns the SNR of b against a in dB.
func snr(a, b [][]float32) float64 {
	var p, d float64
	for c := range a {
		for i, v := range a[c] {
			p += float64(v) * float64(v)
			e := float64(b[c][i]) - float64(v)
			d += e * e
		}
	}
	return 10 * math.Log10(p/d)
}
