package audiowm

import "math"

// The signal processing is written for bit-identical results on every
// platform: only +, -, *, / and math.Sqrt (all correctly rounded) touch the
// output, every product that feeds a sum is wrapped in float64() so that no
// compiler fuses it into a multiply-add, and the tables (windows, resampling
// kernel; the FFT's twiddles, in internal/fft) are built with math.Sin and
// math.Cos, which are pure Go on every port but s390x.

// hann returns the periodic Hann window of length n.
func hann(n int) []float64 {
	w := make([]float64, n)
	for i := range w {
		w[i] = 0.5 - float64(0.5*math.Cos(2*math.Pi*float64(i)/float64(n)))
	}
	return w
}

// Resampling kernel: a Blackman-windowed sinc with kernelZeros zero
// crossings on each side, tabulated at kernelRes points per zero crossing
// and linearly interpolated.
const (
	kernelZeros = 8
	kernelRes   = 256
)

var kernel = func() []float64 {
	k := make([]float64, kernelZeros*kernelRes+2)
	for i := range k {
		u := float64(i) / kernelRes
		if u >= kernelZeros {
			continue
		}
		s := 1.0
		if i > 0 {
			s = math.Sin(math.Pi*u) / (math.Pi * u)
		}
		x := math.Pi * u / kernelZeros
		w := 0.42 + float64(0.5*math.Cos(x)) + float64(0.08*math.Cos(2*x))
		k[i] = float64(s * w)
	}
	return k
}()

// kernelAt returns the kernel at |u| (in zero crossings).
func kernelAt(u float64) float64 {
	if u < 0 {
		u = -u
	}
	p := float64(u * kernelRes)
	i := int(p)
	if i >= kernelZeros*kernelRes {
		return 0
	}
	fr := p - float64(i)
	return kernel[i] + float64(fr*(kernel[i+1]-kernel[i]))
}

// resample converts x from rate from to rate to (both in Hz) with a
// band limit of cutoff Hz (below half of both rates), starting at the same
// instant; it returns n samples.
func resample(x []float64, from, to int, cutoff float64, n int) []float64 {
	y := make([]float64, n)
	if from == to {
		copy(y, x)
		return y
	}
	newResampler(from, to, cutoff, n).run(y, 0, x, 0, len(x))
	return y
}

// resampler is a windowed-sinc rate converter from one rate to another.
// Output m lies at input position m·from/to = k0 + frac; it is gain times
// the sum, over the input samples k within half of k0, of x[k] times the
// kernel at (k - k0 - frac)·ratio, added in ascending k from zero.
type resampler struct {
	from, to   int
	ratio      float64 // kernel zero crossings per input sample
	gain       float64
	half, taps int
	// When the rates' ratio has few phases (as between the common rates)
	// the kernel is tabulated per phase (m mod phases): the same weights,
	// so the same output, without interpolating the kernel per tap.
	phases int
	table  []float64 // phases × taps, or nil
}

// newResampler prepares the conversion of an input to n output samples.
func newResampler(from, to int, cutoff float64, n int) *resampler {
	ratio := 2 * cutoff / float64(from)
	r := &resampler{from: from, to: to, ratio: ratio, gain: ratio}
	r.half = int(kernelZeros/ratio) + 1
	r.taps = 2*r.half + 1
	r.phases = to / gcd(from, to)
	if r.phases*r.taps <= 1<<20 && r.phases <= n {
		r.table = make([]float64, r.phases*r.taps)
		for p := 0; p < r.phases; p++ {
			frac := float64(int64(p)*int64(from)%int64(to)) / float64(to)
			for t := 0; t < r.taps; t++ {
				r.table[p*r.taps+t] = kernelAt(float64((float64(t-r.half) - frac) * ratio))
			}
		}
	}
	return r
}

// block returns a count of outputs near n to compute per call of run: a
// multiple of 4·phases when that fits (see run).
func (r *resampler) block(n int) int {
	if g := 4 * r.phases; r.table != nil && g <= n {
		return n / g * g
	}
	return n
}

// span returns the input samples [lo, hi) that outputs [m0, m1) read from
// an input of nIn samples.
func (r *resampler) span(m0, m1, nIn int) (lo, hi int) {
	lo = int(int64(m0)*int64(r.from)/int64(r.to)) - r.half
	hi = int(int64(m1-1)*int64(r.from)/int64(r.to)) + r.half + 1
	return max(lo, 0), min(hi, nIn)
}

// run computes outputs m0 .. m0+len(y)-1 into y from an input of nIn
// samples of which x holds [x0, x0+len(x)), which must include their span.
func (r *resampler) run(y []float64, m0 int, x []float64, x0, nIn int) {
	if r.from == r.to { // as resample: a copy, zeros past the input
		for i := range y {
			if k := m0 + i; k < nIn {
				y[i] = x[k-x0]
			} else {
				y[i] = 0
			}
		}
		return
	}
	from, to, half, taps := int64(r.from), int64(r.to), r.half, r.taps
	// k0 and rem step through m·from = k0·to + rem without dividing.
	num := int64(m0) * from
	k0, rem := int(num/to), num%to
	stepK, stepR := int(from/to), from%to
	p := m0 % r.phases
	next := func() {
		k0 += stepK
		rem += stepR
		if rem >= to {
			rem -= to
			k0++
		}
		if p++; p == r.phases {
			p = 0
		}
	}
	// Outputs phases apart share their kernel phase and lie D input
	// samples apart.
	ph := r.phases
	D := int(int64(ph) * from / to)
	for i := 0; i < len(y); {
		if r.table != nil && i+4*ph <= len(y) && k0-half >= 0 &&
			int(int64(m0+i+4*ph-1)*from/to)+half+1 <= nIn {
			// A run of 4·phases outputs, whole kernels inside the input:
			// each phase's weights serve four outputs at once, read
			// once for four independent sums (each in its own order, so
			// the same result).
			for q := 0; q < ph; q++ {
				a := k0 - half - x0
				ws := r.table[p*taps : p*taps+taps]
				xs0, xs1 := x[a:a+taps], x[a+D:a+D+taps]
				xs2, xs3 := x[a+2*D:a+2*D+taps], x[a+3*D:a+3*D+taps]
				xs0, xs1, xs2, xs3 = xs0[:len(ws)], xs1[:len(ws)], xs2[:len(ws)], xs3[:len(ws)]
				var s0, s1, s2, s3 float64
				for t, w := range ws {
					s0 += float64(xs0[t] * w)
					s1 += float64(xs1[t] * w)
					s2 += float64(xs2[t] * w)
					s3 += float64(xs3[t] * w)
				}
				y[i+q] = float64(s0 * r.gain)
				y[i+q+ph] = float64(s1 * r.gain)
				y[i+q+2*ph] = float64(s2 * r.gain)
				y[i+q+3*ph] = float64(s3 * r.gain)
				next()
			}
			// next has moved on by phases outputs: D input samples, the
			// same remainder and phase.
			k0 += 3 * D
			i += 4 * ph
			continue
		}
		if r.table != nil && k0-half >= 0 && k0+half+1 <= nIn && i+4 <= len(y) {
			// Four outputs at a time with the whole kernel inside the
			// input: four independent sums (each in its own order, so
			// the same result) keep the multipliers busy.
			a0, w0 := k0-half-x0, p*taps
			next()
			a1, w1 := k0-half-x0, p*taps
			next()
			a2, w2 := k0-half-x0, p*taps
			next()
			a3, w3 := k0-half-x0, p*taps
			if k0+half+1 <= nIn {
				xs0, ws0 := x[a0:a0+taps], r.table[w0:w0+taps]
				xs1, ws1 := x[a1:a1+taps], r.table[w1:w1+taps]
				xs2, ws2 := x[a2:a2+taps], r.table[w2:w2+taps]
				xs3, ws3 := x[a3:a3+taps], r.table[w3:w3+taps]
				ws0, xs1, ws1 = ws0[:len(xs0)], xs1[:len(xs0)], ws1[:len(xs0)]
				xs2, ws2, xs3, ws3 = xs2[:len(xs0)], ws2[:len(xs0)], xs3[:len(xs0)], ws3[:len(xs0)]
				var s0, s1, s2, s3 float64
				for t := range xs0 {
					s0 += float64(xs0[t] * ws0[t])
					s1 += float64(xs1[t] * ws1[t])
					s2 += float64(xs2[t] * ws2[t])
					s3 += float64(xs3[t] * ws3[t])
				}
				y[i] = float64(s0 * r.gain)
				y[i+1] = float64(s1 * r.gain)
				y[i+2] = float64(s2 * r.gain)
				y[i+3] = float64(s3 * r.gain)
				i += 4
				next()
				continue
			}
			// The fourth output's kernel runs past the input's end: back
			// up and do these one at a time.
			num = int64(m0+i) * from
			k0, rem = int(num/to), num%to
			p = (m0 + i) % r.phases
		}
		lo, hi := max(k0-half, 0), min(k0+half+1, nIn)
		var s float64
		if r.table != nil {
			w := r.table[p*taps : (p+1)*taps]
			for k := lo; k < hi; k++ {
				s += float64(x[k-x0] * w[k-k0+half])
			}
		} else {
			frac := float64(rem) / float64(to)
			for k := lo; k < hi; k++ {
				u := float64((float64(k-k0) - frac) * r.ratio)
				s += float64(x[k-x0] * kernelAt(u))
			}
		}
		y[i] = float64(s * r.gain)
		i++
		next()
	}
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
