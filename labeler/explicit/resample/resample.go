// Package resample converts sampled signals between rates with a windowed-sinc
// (Blackman) band-limited interpolator at an exact rational ratio.
//
// It is deterministic across platforms: the kernel is tabulated once per
// ratio and rounded to float32 (so last-ulp differences between math.Sin
// implementations cannot reach the output), positions are exact integer
// ratios, and every product is converted explicitly before it is summed, which
// stops the compiler fusing multiply-adds (arm64 FMA).
package resample

import (
	"fmt"
	"math"
)

// ZeroCrossings is the kernel's half-width in zero crossings of the sinc: the
// filter spans 2*ZeroCrossings input samples (more when downsampling).
const ZeroCrossings = 16

// tableRes is the number of kernel table entries per input sample.
const tableRes = 512

// cutoff is the pass band edge as a fraction of the lower Nyquist frequency.
const cutoff = 0.94

// MaxRate bounds the rates accepted, so the ratio's terms stay small.
const MaxRate = 1 << 20

// Resampler converts from one rate to another.
type Resampler struct {
	up, down int       // output/input ratio, reduced
	fc       float64   // cutoff in cycles per input sample
	half     int       // taps on each side of the centre, in input samples
	table    []float64 // kernel at x = i/tableRes input samples, i >= 0
}

// New returns a resampler from rate from to rate to (Hz).
func New(from, to int) (*Resampler, error) {
	if from <= 0 || to <= 0 || from > MaxRate || to > MaxRate {
		return nil, fmt.Errorf("resample: rates %d -> %d out of range (1..%d)", from, to, MaxRate)
	}
	g := gcd(from, to)
	r := &Resampler{up: to / g, down: from / g}
	r.fc = 0.5 * cutoff
	if to < from {
		r.fc = 0.5 * cutoff * float64(to) / float64(from)
	}
	width := float64(ZeroCrossings) / (2 * r.fc) // half-width in input samples
	r.half = int(math.Ceil(width))
	n := r.half*tableRes + 2
	r.table = make([]float64, n)
	for i := range r.table {
		x := float64(i) / tableRes
		if x >= width {
			continue
		}
		u := x / width // 0..1 across the half window
		w := 0.42 + 0.5*math.Cos(math.Pi*u) + 0.08*math.Cos(2*math.Pi*u)
		s := 2 * r.fc
		if x > 0 {
			a := 2 * math.Pi * r.fc * x
			s = math.Sin(a) / (math.Pi * x)
		}
		r.table[i] = float64(float32(float64(s * w)))
	}
	return r, nil
}

// Len returns the number of output samples for n input samples.
func (r *Resampler) Len(n int) int {
	return int((int64(n)*int64(r.up) + int64(r.down) - 1) / int64(r.down))
}

// kernel returns the interpolated kernel at distance |x| input samples,
// given as an exact fraction num/den.
func (r *Resampler) kernel(num, den int64) float64 {
	if num < 0 {
		num = -num
	}
	// Table position num/den*tableRes, split into index and fraction.
	p := num * tableRes
	i := p / den
	if int(i)+1 >= len(r.table) {
		return 0
	}
	f := float64(p%den) / float64(den)
	a, b := r.table[i], r.table[i+1]
	return a + float64((b-a)*f)
}

// Resample converts src (one channel) and returns Len(len(src)) samples.
// Samples outside src count as zero.
func (r *Resampler) Resample(src []float64) []float64 {
	out := make([]float64, r.Len(len(src)))
	if r.up == r.down {
		copy(out, src)
		return out
	}
	up, down := int64(r.up), int64(r.down)
	for n := range out {
		// Output n sits at input position t = n*down/up = i0 + rem/up.
		pos := int64(n) * down
		i0, rem := pos/up, pos%up
		var s float64
		for k := i0 - int64(r.half) + 1; k <= i0+int64(r.half); k++ {
			if k < 0 || k >= int64(len(src)) {
				continue
			}
			// Distance x = k - t = ((k-i0)*up - rem) / up input samples.
			h := r.kernel((k-i0)*up-rem, up)
			s += float64(src[k] * h)
		}
		out[n] = s
	}
	return out
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
