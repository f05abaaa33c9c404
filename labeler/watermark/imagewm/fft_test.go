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
