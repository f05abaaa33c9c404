package audiowm

import (
	"math"
	"math/rand/v2"
	"slices"
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

// refResample is the resampler's definition computed directly, one output
// at a time with the interpolated kernel (what resample did before it was
// tabulated and blocked).
func refResample(x []float64, from, to int, cutoff float64, n int) []float64 {
	ratio := 2 * cutoff / float64(from)
	half := int(kernelZeros/ratio) + 1
	y := make([]float64, n)
	for m := range y {
		num := int64(m) * int64(from)
		k0 := int(num / int64(to))
		frac := float64(num%int64(to)) / float64(to)
		var s float64
		for k := max(k0-half, 0); k < min(k0+half+1, len(x)); k++ {
			s += float64(x[k] * kernelAt(float64((float64(k-k0)-frac)*ratio)))
		}
		y[m] = float64(s * ratio)
	}
	return y
}

// TestResampleExact: the tabulated, four-at-a-time resampler and mono8's
// blockwise mixdown give bit for bit the direct computation, edges
// included.
func TestResampleExact(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, c := range []struct{ from, to, n int }{
		{44100, 8000, 30011}, {8000, 44100, 9001}, {48000, 8000, 24007}, {8000, 48000, 3001},
		{16000, 8000, 5003}, {8000, 11025, 4001}, {96000, 8000, 96001}, {44099, 8000, 22051},
	} {
		x := make([]float64, c.n)
		for i := range x {
			x[i] = r.NormFloat64()
		}
		n := int(int64(c.n) * int64(c.to) / int64(c.from))
		want := refResample(x, c.from, c.to, cutoff8, n)
		if got := resample(x, c.from, c.to, cutoff8, n); !slices.Equal(got, want) {
			t.Errorf("%d -> %d Hz: resample differs from the direct sum", c.from, c.to)
		}
		if c.to != rate8 {
			continue
		}
		// mono8 of two channels: x becomes their mean.
		ch := [][]float32{make([]float32, c.n), make([]float32, c.n)}
		for i := range x {
			ch[0][i], ch[1][i] = float32(x[i]), float32(r.NormFloat64())
			x[i] = (float64(ch[0][i]) + float64(ch[1][i])) * 0.5
		}
		want = refResample(x, c.from, c.to, cutoff8, n)
		if got := mono8(ch, c.from); !slices.Equal(got, want) {
			t.Errorf("%d Hz: mono8 differs from the direct sum", c.from)
		}
	}
}
