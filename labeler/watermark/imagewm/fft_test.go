package imagewm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestRealHalf2 checks the half transform of a real array against the full
// complex transform, both ways.
func TestRealHalf2(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const w, h = 32, 16
	for _, inverse := range []bool{false, true} {
		a := make([]float64, w*h)
		for i := range a {
			a[i] = r.NormFloat64()
		}
		re, im := append([]float64(nil), a...), make([]float64, w*h)
		fft2(re, im, w, h, inverse)
		rows := h
		if !inverse { // the last rows zero: the row pass skips them
			rows = h - 5
			clear(a[rows*w:])
		}
		re, im = append([]float64(nil), a...), make([]float64, w*h)
		fft2(re, im, w, h, inverse)
		hr, hi := realHalf2(a, w, h, rows, inverse)
		for y := 0; y < h; y++ {
			for x := 0; x <= w/2; x++ {
				k := y*(w/2+1) + x
				if math.Abs(hr[k]-re[y*w+x]) > 1e-9 || math.Abs(hi[k]-im[y*w+x]) > 1e-9 {
					t.Fatalf("inverse=%v (%d, %d): half %v%+vi, full %v%+vi", inverse, x, y, hr[k], hi[k], re[y*w+x], im[y*w+x])
				}
			}
		}
	}
}

// TestFFTAgainstDFT checks the FFT against the direct sum.
func TestFFTAgainstDFT(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, 2, 8, 64} {
		re, im := make([]float64, n), make([]float64, n)
		for i := range re {
			re[i], im[i] = r.NormFloat64(), r.NormFloat64()
		}
		for _, inverse := range []bool{false, true} {
			gr, gi := append([]float64(nil), re...), append([]float64(nil), im...)
			planFor(n).transform(gr, gi, inverse)
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
