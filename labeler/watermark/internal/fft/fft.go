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
	// tsi is -ts, the inverse transform's sines (sgn·ts exactly).
	tsi []float64
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
	p.tsi = make([]float64, len(p.ts))
	for i, v := range p.ts {
		p.tsi[i] = -v
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
	tsAll := p.ts
	if inverse {
		tsAll = p.tsi
	}
	if n >= 4 {
		// size 2 and 4 butterflies unrolled, same twiddles from the tables
		c0, s0 := p.tc[0], tsAll[0]
		c1, s1 := p.tc[1], tsAll[1]
		c2, s2 := p.tc[2], tsAll[2]
		for start := 0; start+4 <= n; start += 4 {
			r, m := re[start:start+4], im[start:start+4]
			// size 2, pairs (0,1) and (2,3)
			tr := float64(r[1]*c0) - float64(m[1]*s0)
			ti := float64(r[1]*s0) + float64(m[1]*c0)
			r[1], m[1] = r[0]-tr, m[0]-ti
			r[0], m[0] = r[0]+tr, m[0]+ti
			tr = float64(r[3]*c0) - float64(m[3]*s0)
			ti = float64(r[3]*s0) + float64(m[3]*c0)
			r[3], m[3] = r[2]-tr, m[2]-ti
			r[2], m[2] = r[2]+tr, m[2]+ti
			// size 4: (0,2) with twiddle 1, (1,3) with twiddle 2
			tr = float64(r[2]*c1) - float64(m[2]*s1)
			ti = float64(r[2]*s1) + float64(m[2]*c1)
			r[2], m[2] = r[0]-tr, m[0]-ti
			r[0], m[0] = r[0]+tr, m[0]+ti
			tr = float64(r[3]*c2) - float64(m[3]*s2)
			ti = float64(r[3]*s2) + float64(m[3]*c2)
			r[3], m[3] = r[1]-tr, m[1]-ti
			r[1], m[1] = r[1]+tr, m[1]+ti
		}
	}
	size := 8
	if n < 4 {
		size = 2
	}
	// Two radix-2 stages at a time (spans h and 2h), each value loaded
	// and stored once per pair of stages: the same butterflies.
	for ; size >= 8 && 2*size <= n; size <<= 2 {
		h := size / 2
		tc1, ts1 := p.tc[h-1:h-1+h], tsAll[h-1:h-1+h]
		tc2, ts2 := p.tc[2*h-1:2*h-1+2*h], tsAll[2*h-1:2*h-1+2*h]
		tc2a, ts2a, tc2b, ts2b := tc2[:h], ts2[:h], tc2[h:2*h], ts2[h:2*h]
		for start := 0; start < n; start += 2 * size {
			ar, ai := re[start:start+h], im[start:start+h]
			br, bi := re[start+h:start+2*h], im[start+h:start+2*h]
			cr, ci := re[start+2*h:start+3*h], im[start+2*h:start+3*h]
			dr, di := re[start+3*h:start+4*h], im[start+3*h:start+4*h]
			ai, br, bi, cr, ci, dr, di = ai[:len(ar)], br[:len(ar)], bi[:len(ar)], cr[:len(ar)], ci[:len(ar)], dr[:len(ar)], di[:len(ar)]
			tc1, ts1, tc2a, ts2a, tc2b, ts2b := tc1[:len(ar)], ts1[:len(ar)], tc2a[:len(ar)], ts2a[:len(ar)], tc2b[:len(ar)], ts2b[:len(ar)]
			for k := range ar {
				c, s := tc1[k], ts1[k]
				a0r, a0i, b0r, b0i := ar[k], ai[k], br[k], bi[k]
				tr := float64(b0r*c) - float64(b0i*s)
				ti := float64(b0r*s) + float64(b0i*c)
				a1r, a1i, b1r, b1i := a0r+tr, a0i+ti, a0r-tr, a0i-ti
				c0r, c0i, d0r, d0i := cr[k], ci[k], dr[k], di[k]
				tr = float64(d0r*c) - float64(d0i*s)
				ti = float64(d0r*s) + float64(d0i*c)
				c1r, c1i, d1r, d1i := c0r+tr, c0i+ti, c0r-tr, c0i-ti
				c, s = tc2a[k], ts2a[k]
				tr = float64(c1r*c) - float64(c1i*s)
				ti = float64(c1r*s) + float64(c1i*c)
				ar[k], ai[k], cr[k], ci[k] = a1r+tr, a1i+ti, a1r-tr, a1i-ti
				c, s = tc2b[k], ts2b[k]
				tr = float64(d1r*c) - float64(d1i*s)
				ti = float64(d1r*s) + float64(d1i*c)
				br[k], bi[k], dr[k], di[k] = b1r+tr, b1i+ti, b1r-tr, b1i-ti
			}
		}
	}
	for ; size <= n; size <<= 1 {
		half := size / 2
		tc, ts := p.tc[half-1:half-1+half], tsAll[half-1:half-1+half]
		for start := 0; start < n; start += size {
			ar, ai := re[start:start+half], im[start:start+half]
			br, bi := re[start+half:start+size], im[start+half:start+size]
			ai, br, bi = ai[:len(ar)], br[:len(ar)], bi[:len(ar)]
			tc, ts := tc[:len(ar)], ts[:len(ar)]
			for k := range ar {
				c, s := tc[k], ts[k]
				tr := float64(br[k]*c) - float64(bi[k]*s)
				ti := float64(br[k]*s) + float64(bi[k]*c)
				br[k], bi[k] = ar[k]-tr, ai[k]-ti
				ar[k], ai[k] = ar[k]+tr, ai[k]+ti
			}
		}
	}
}
