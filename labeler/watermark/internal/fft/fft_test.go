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

// radix2 is the textbook transform over the plan's tables, one stage at a
// time: Transform unrolls and pairs stages for speed, and the watermarks'
// goldens depend on it giving exactly these bits.
func radix2(p *Plan, re, im []float64, inverse bool) {
	n := p.n
	for i, r := range p.rev {
		if i < r {
			re[i], re[r] = re[r], re[i]
			im[i], im[r] = im[r], im[i]
		}
	}
	sgn := 1.0
	if inverse {
		sgn = -1
	}
	for size := 2; size <= n; size <<= 1 {
		half := size / 2
		for start := 0; start < n; start += size {
			for k := 0; k < half; k++ {
				a, b := start+k, start+half+k
				c, s := p.tc[half-1+k], sgn*p.ts[half-1+k]
				tr := float64(re[b]*c) - float64(im[b]*s)
				ti := float64(re[b]*s) + float64(im[b]*c)
				re[b], im[b] = re[a]-tr, im[a]-ti
				re[a], im[a] = re[a]+tr, im[a]+ti
			}
		}
	}
}

// TestSameBitsAsRadix2 checks Transform bit for bit (signed zeros included)
// against radix2 for every size from 1 to 4096, both directions.
func TestSameBitsAsRadix2(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for n := 1; n <= 4096; n <<= 1 {
		for trial := 0; trial < 20; trial++ {
			re, im := make([]float64, n), make([]float64, n)
			for i := range re {
				switch r.IntN(4) {
				case 0:
					re[i] = math.Copysign(0, -1)
				case 1:
					im[i] = math.Copysign(0, -1)
				default:
					re[i], im[i] = r.NormFloat64(), r.NormFloat64()
				}
			}
			for _, inverse := range []bool{false, true} {
				gr, gi := append([]float64(nil), re...), append([]float64(nil), im...)
				wr, wi := append([]float64(nil), re...), append([]float64(nil), im...)
				p := For(n)
				p.Transform(gr, gi, inverse)
				radix2(p, wr, wi, inverse)
				for k := range gr {
					if math.Float64bits(gr[k]) != math.Float64bits(wr[k]) || math.Float64bits(gi[k]) != math.Float64bits(wi[k]) {
						t.Fatalf("n=%d inverse=%v k=%d: %v%+vi, radix-2 %v%+vi", n, inverse, k, gr[k], gi[k], wr[k], wi[k])
					}
				}
			}
		}
	}
}
