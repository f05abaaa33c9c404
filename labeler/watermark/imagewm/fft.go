package imagewm

import (
	"math"
	"sync"
)

var (
	plansMu sync.Mutex
	plans   = map[int]*fft{}
)

// planFor returns the cached FFT plan for size n.
func planFor(n int) *fft {
	plansMu.Lock()
	defer plansMu.Unlock()
	p := plans[n]
	if p == nil {
		p = newFFT(n)
		plans[n] = p
	}
	return p
}

// fft is an in-place iterative radix-2 complex FFT of size n (a power of two).
type fft struct {
	n   int
	rev []int
	cos []float64
	sin []float64
	// tc, ts hold each stage's twiddles contiguously (stage with butterfly
	// span half starts at index half-1), so the inner loop reads them in
	// order instead of with a stride.
	tc, ts []float64
}

func newFFT(n int) *fft {
	f := &fft{n: n, rev: make([]int, n), cos: make([]float64, n/2), sin: make([]float64, n/2)}
	bits := 0
	for 1<<bits < n {
		bits++
	}
	for i := range f.rev {
		r := 0
		for b := 0; b < bits; b++ {
			r |= (i >> b & 1) << (bits - 1 - b)
		}
		f.rev[i] = r
	}
	for i := range f.cos {
		a := -2 * math.Pi * float64(i) / float64(n)
		f.sin[i], f.cos[i] = math.Sincos(a)
	}
	f.tc, f.ts = make([]float64, max(n-1, 0)), make([]float64, max(n-1, 0))
	for half := 1; half < n; half <<= 1 {
		step := n / (2 * half)
		for k := 0; k < half; k++ {
			f.tc[half-1+k], f.ts[half-1+k] = f.cos[k*step], f.sin[k*step]
		}
	}
	return f
}

// transform runs the FFT on re, im (stride 1); inverse conjugates the
// twiddles and does not scale.
func (f *fft) transform(re, im []float64, inverse bool) {
	n := f.n
	for i, r := range f.rev {
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
		tc, ts := f.tc[half-1:half-1+half], f.ts[half-1:half-1+half]
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

// fft2 transforms a w x h complex array (row-major) in place.
func fft2(re, im []float64, w, h int, inverse bool) {
	fw := planFor(w)
	for y := 0; y < h; y++ {
		fw.transform(re[y*w:y*w+w], im[y*w:y*w+w], inverse)
	}
	fftCols(re, im, w, h, w, inverse)
}

// fftCols transforms columns 0..ncols-1 of a row-major array with w columns
// and h rows in place. Columns are transformed in groups of 16, gathered row
// by row, so the strided reads stay within cache lines.
func fftCols(re, im []float64, w, h, ncols int, inverse bool) {
	fh := planFor(h)
	const group = 16
	cr, ci := make([]float64, group*h), make([]float64, group*h)
	for x0 := 0; x0 < ncols; x0 += group {
		g := min(group, ncols-x0)
		for y := 0; y < h; y++ {
			row, rowi := re[y*w+x0:y*w+x0+g], im[y*w+x0:y*w+x0+g]
			for k := range row {
				cr[k*h+y], ci[k*h+y] = row[k], rowi[k]
			}
		}
		for k := 0; k < g; k++ {
			fh.transform(cr[k*h:k*h+h], ci[k*h:k*h+h], inverse)
		}
		for y := 0; y < h; y++ {
			row, rowi := re[y*w+x0:y*w+x0+g], im[y*w+x0:y*w+x0+g]
			for k := range row {
				row[k], rowi[k] = cr[k*h+y], ci[k*h+y]
			}
		}
	}
}

// realHalf2 transforms a real w x h array (h even) and returns columns
// 0..w/2 of its 2-D transform, as a (w/2+1)-wide array; the other columns
// follow from the Hermitian symmetry of a real array's transform. Rows are
// transformed in pairs, one as the real and one as the imaginary part of a
// complex row, and separated with Z[k] = A[k] + i B[k], conj Z[-k] = A[k] -
// i B[k] (A, B Hermitian); only half the columns need the column pass.
// Rows from rows on are known to be zero and skip the row pass.
func realHalf2(a []float64, w, h, rows int, inverse bool) ([]float64, []float64) {
	hw := w/2 + 1
	hr, hi := make([]float64, hw*h), make([]float64, hw*h)
	zr, zi := make([]float64, w), make([]float64, w)
	fw := planFor(w)
	for y := 0; y < h && y < rows; y += 2 {
		copy(zr, a[y*w:y*w+w])
		copy(zi, a[(y+1)*w:(y+1)*w+w])
		fw.transform(zr, zi, inverse)
		ar, ai := hr[y*hw:y*hw+hw], hi[y*hw:y*hw+hw]
		br, bi := hr[(y+1)*hw:(y+1)*hw+hw], hi[(y+1)*hw:(y+1)*hw+hw]
		for k := 0; k < hw; k++ {
			m := (w - k) & (w - 1)
			pr, pi := zr[k], zi[k]
			qr, qi := zr[m], -zi[m]
			ar[k], ai[k] = (pr+qr)/2, (pi+qi)/2
			br[k], bi[k] = (pi-qi)/2, -(pr-qr)/2
		}
	}
	fftCols(hr, hi, hw, h, hw, inverse)
	return hr, hi
}

// pow2 returns the smallest power of two >= n.
func pow2(n int) int {
	p := 1
	for p < n {
		p <<= 1
	}
	return p
}

// fft2Pair transforms two real w x h arrays with one complex FFT: with
// Z = FFT(a + i b), A[k] = (Z[k] + conj Z[-k]) / 2 and
// B[k] = (Z[k] - conj Z[-k]) / 2i.
func fft2Pair(a, b []float64, w, h int) (ar, ai, br, bi []float64) {
	n := w * h
	zr, zi := make([]float64, n), make([]float64, n)
	copy(zr, a)
	copy(zi, b)
	fft2(zr, zi, w, h, false)
	ar, ai, br, bi = make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	for y := 0; y < h; y++ {
		ny := (h - y) % h
		for x := 0; x < w; x++ {
			nx := (w - x) % w
			k, m := y*w+x, ny*w+nx
			pr, pi := zr[k], zi[k]
			qr, qi := zr[m], -zi[m] // conj Z[-k]
			ar[k], ai[k] = (pr+qr)/2, (pi+qi)/2
			br[k], bi[k] = (pi-qi)/2, -(pr-qr)/2
		}
	}
	return ar, ai, br, bi
}
