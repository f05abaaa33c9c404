package audiowm

import (
	"math"
	"testing"
)

// TestResample checks the resampler against sines generated directly at the
// target rate.
func TestResample(t *testing.T) {
	for _, c := range []struct{ from, to int }{{16000, 8000}, {44100, 8000}, {8000, 44100}, {8000, 96000}, {96000, 8000}, {8000, 11025}} {
		const f = 1234.5
		n := c.from // one second
		x := make([]float64, n)
		for i := range x {
			x[i] = math.Sin(2 * math.Pi * f * float64(i) / float64(c.from))
		}
		m := c.to
		y := resample(x, c.from, c.to, cutoff8, m)
		var maxErr float64
		for i := m / 10; i < m*9/10; i++ {
			want := math.Sin(2 * math.Pi * f * float64(i) / float64(c.to))
			maxErr = math.Max(maxErr, math.Abs(y[i]-want))
		}
		if maxErr > 0.01 {
			t.Errorf("%d -> %d Hz: max error %.4f", c.from, c.to, maxErr)
		}
	}
}
