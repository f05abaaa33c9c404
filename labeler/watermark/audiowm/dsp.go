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
// instant; it returns n samples. When the rates' ratio has few phases (as
// between the common rates) the kernel is tabulated per phase first: the
// same weights, summed in the same order, so the same output.
func resample(x []float64, from, to int, cutoff float64, n int) []float64 {
	y := make([]float64, n)
	if from == to {
		copy(y, x)
		return y
	}
	ratio := 2 * cutoff / float64(from) // zero crossings per input sample
	gain := ratio
	half := int(kernelZeros/ratio) + 1
	taps := 2*half + 1
	phases := to / gcd(from, to)
	var table []float64
	if phases*taps <= 1<<20 && phases <= n {
		table = make([]float64, phases*taps)
		for p := 0; p < phases; p++ {
			frac := float64(int64(p)*int64(from)%int64(to)) / float64(to)
			for t := 0; t < taps; t++ {
				table[p*taps+t] = kernelAt(float64((float64(t-half) - frac) * ratio))
			}
		}
	}
	for m := range y {
		// Input position of output m: m*from/to, split exactly.
		num := int64(m) * int64(from)
		k0 := int(num / int64(to))
		lo, hi := k0-half, k0+half+1
		if lo < 0 {
			lo = 0
		}
		if hi > len(x) {
			hi = len(x)
		}
		var s float64
		if table != nil {
			w := table[(m%phases)*taps : (m%phases+1)*taps]
			for k := lo; k < hi; k++ {
				s += float64(x[k] * w[k-k0+half])
			}
		} else {
			frac := float64(num%int64(to)) / float64(to)
			for k := lo; k < hi; k++ {
				u := float64((float64(k-k0) - frac) * ratio)
				s += float64(x[k] * kernelAt(u))
			}
		}
		y[m] = float64(s * gain)
	}
	return y
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
