package imagewm

import "github.com/aigclabel/aigclabel/labeler/watermark/internal/fft"

// fft2 transforms a w x h complex array (row-major) in place.
func fft2(re, im []float64, w, h int, inverse bool) {
	fw := fft.For(w)
	for y := 0; y < h; y++ {
		fw.Transform(re[y*w:y*w+w], im[y*w:y*w+w], inverse)
	}
	fftCols(re, im, w, h, w, inverse)
}

// fftCols transforms columns 0..ncols-1 of a row-major array with w columns
// and h rows in place. Columns are transformed in groups of 16, gathered row
// by row, so the strided reads stay within cache lines.
func fftCols(re, im []float64, w, h, ncols int, inverse bool) {
	fh := fft.For(h)
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
			fh.Transform(cr[k*h:k*h+h], ci[k*h:k*h+h], inverse)
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
	fw := fft.For(w)
	for y := 0; y < h && y < rows; y += 2 {
		copy(zr, a[y*w:y*w+w])
		copy(zi, a[(y+1)*w:(y+1)*w+w])
		fw.Transform(zr, zi, inverse)
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
