package fft

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestAgainstDFT checks the FFT against the direct sum, both directions.
func TestAgainstDFT(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, 2, 8, 64, 512} {
		re, im := make([]float64, n), make([]float64, n)
		for i := range re {
			re[i], im[i] = r.NormFloat64(), r.NormFloat64()
		}
		for _, inverse := range []bool{false, true} {
			gr, gi := append([]float64(nil), re...), append([]float64(nil), im...)
			For(n).Transform(gr, gi, inverse)
			sg := -1.0
			if inverse {
				sg = 1
			}
			for k := 0; k < n; k++ {
				var sr, si float64
				for j := 0; j < n; j++ {
					s, c := math.Sincos(sg * 2 * math.Pi * float64(j*k) / float64(n))
					sr += re[j]*c - im[j]*s
					si += re[j]*s + im[j]*c
				}
				if math.Abs(sr-gr[k]) > 1e-9 || math.Abs(si-gi[k]) > 1e-9 {
					t.Fatalf("n=%d inverse=%v k=%d: fft %v%+vi, dft %v%+vi", n, inverse, k, gr[k], gi[k], sr, si)
				}
			}
		}
	}
}

// TestRoundTrip: the inverse of the forward transform, scaled by 1/n, gives
// the input back.
func TestRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	const n = 256
	re, im := make([]float64, n), make([]float64, n)
	for i := range re {
		re[i], im[i] = r.NormFloat64(), r.NormFloat64()
	}
	gr, gi := append([]float64(nil), re...), append([]float64(nil), im...)
	p := For(n)
	p.Transform(gr, gi, false)
	p.Transform(gr, gi, true)
	for i := range re {
		if math.Abs(gr[i]/n-re[i]) > 1e-12 || math.Abs(gi[i]/n-im[i]) > 1e-12 {
			t.Fatalf("i=%d: %v%+vi, want %v%+vi", i, gr[i]/n, gi[i]/n, re[i], im[i])
		}
	}
}
