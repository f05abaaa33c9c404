// Package fft is the radix-2 complex FFT the image and audio watermarks
// share. Its results are bit-identical on every platform: only +, -, * and
// the twiddle tables (math.Sincos, pure Go on every port but s390x) touch
// them, and every product that feeds a sum is wrapped in float64() so that no
// compiler fuses it into a multiply-add.
package fft

import (
	"math"
	"sync"
)

// Plan is an in-place iterative radix-2 complex FFT of one size. Plans are
// read-only once made and safe for concurrent use.
type Plan struct {
	n   int
	rev []int // bit-reversal permutation
	// tc, ts hold each stage's twiddles e^{-2πik/size} contiguously (the
	// stage with butterfly span half starts at index half-1), so the inner
	// loop reads them in order instead of with a stride.
	tc, ts []float64
}

var (
	plansMu sync.Mutex
	plans   = map[int]*Plan{}
)

// For returns the plan for size n, a power of two, made once and cached.
func For(n int) *Plan {
	plansMu.Lock()
	defer plansMu.Unlock()
	p := plans[n]
	if p == nil {
		p = newPlan(n)
		plans[n] = p
	}
	return p
}

func newPlan(n int) *Plan {
	p := &Plan{n: n, rev: make([]int, n)}
	bits := 0
	for 1<<bits < n {
		bits++
	}
	for i := range p.rev {
		r := 0
		for b := 0; b < bits; b++ {
			r |= (i >> b & 1) << (bits - 1 - b)
		}
		p.rev[i] = r
	}
	cos, sin := make([]float64, n/2), make([]float64, n/2)
	for i := range cos {
		sin[i], cos[i] = math.Sincos(-2 * math.Pi * float64(i) / float64(n))
	}
	p.tc, p.ts = make([]float64, max(n-1, 0)), make([]float64, max(n-1, 0))
	for half := 1; half < n; half <<= 1 {
		step := n / (2 * half)
		for k := 0; k < half; k++ {
			p.tc[half-1+k], p.ts[half-1+k] = cos[k*step], sin[k*step]
		}
	}
	return p
}

// Len is the plan's size.
func (p *Plan) Len() int { return p.n }

// Transform computes the forward DFT of (re, im) in place, each of length
// Len(); inverse uses the conjugate twiddles and does not scale.
func (p *Plan) Transform(re, im []float64, inverse bool) {
	n := p.n
	re, im = re[:n], im[:n]
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
		tc, ts := p.tc[half-1:half-1+half], p.ts[half-1:half-1+half]
		for start := 0; start < n; start += size {
			ar, ai := re[start:start+half], im[start:start+half]
			br, bi := re[start+half:start+size], im[start+half:start+size]
			for k := range ar {
				c, s := tc[k], sgn*ts[k]
				tr := float64(br[k]*c) - float64(bi[k]*s)
				ti := float64(br[k]*s) + float64(bi[k]*c)
				br[k], bi[k] = ar[k]-tr, ai[k]-ti
				ar[k], ai[k] = ar[k]+tr, ai[k]+ti
			}
		}
	}
}
