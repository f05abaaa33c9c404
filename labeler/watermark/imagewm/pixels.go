package imagewm

import (
	"image"
	"image/color"
)

// lumaRow writes the BT.601 luma (0-255, the Y of JPEG's YCbCr) of row y of
// img into dst (len = width). Fast paths cover the types the standard decoders
// return, so a 12 MP JPEG is read without a full-size copy.
func lumaRow(img image.Image, y int, dst []float64) {
	b := img.Bounds()
	switch m := img.(type) {
	case *image.YCbCr:
		row := m.Y[m.YOffset(b.Min.X, y):]
		for x := range dst {
			dst[x] = float64(row[x])
		}
	case *image.Gray:
		row := m.Pix[m.PixOffset(b.Min.X, y):]
		for x := range dst {
			dst[x] = float64(row[x])
		}
	case *image.NRGBA:
		row := m.Pix[m.PixOffset(b.Min.X, y):]
		for x := range dst {
			p := row[4*x : 4*x+3 : 4*x+3]
			dst[x] = luma8(p[0], p[1], p[2])
		}
	case *image.RGBA:
		row := m.Pix[m.PixOffset(b.Min.X, y):]
		for x := range dst {
			p := row[4*x : 4*x+4 : 4*x+4]
			r, g, bl := unpremul(p[0], p[3]), unpremul(p[1], p[3]), unpremul(p[2], p[3])
			dst[x] = luma8(r, g, bl)
		}
	default:
		for x := range dst {
			c := color.NRGBAModel.Convert(img.At(b.Min.X+x, y)).(color.NRGBA)
			dst[x] = luma8(c.R, c.G, c.B)
		}
	}
}

// luma8 is JPEG's integer luma (as image/color.RGBToYCbCr) as a float.
func luma8(r, g, b uint8) float64 {
	return float64((19595*int32(r) + 38470*int32(g) + 7471*int32(b) + 1<<15) >> 16)
}

// unpremul undoes alpha premultiplication of one 8-bit channel.
func unpremul(c, a uint8) uint8 {
	if a == 0 || a == 255 {
		return c
	}
	v := (uint32(c)*255 + uint32(a)/2) / uint32(a)
	if v > 255 {
		v = 255
	}
	return uint8(v)
}

// toNRGBA returns a copy of img as a zero-origin *image.NRGBA.
func toNRGBA(img image.Image) *image.NRGBA {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	out := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		o := out.Pix[y*out.Stride : y*out.Stride+4*w]
		sy := b.Min.Y + y
		switch m := img.(type) {
		case *image.NRGBA:
			copy(o, m.Pix[m.PixOffset(b.Min.X, sy):])
		case *image.RGBA:
			row := m.Pix[m.PixOffset(b.Min.X, sy):]
			for x := 0; x < w; x++ {
				a := row[4*x+3]
				o[4*x] = unpremul(row[4*x], a)
				o[4*x+1] = unpremul(row[4*x+1], a)
				o[4*x+2] = unpremul(row[4*x+2], a)
				o[4*x+3] = a
			}
		case *image.YCbCr:
			for x := 0; x < w; x++ {
				yi := m.YOffset(b.Min.X+x, sy)
				ci := m.COffset(b.Min.X+x, sy)
				r, g, bl := color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
				o[4*x], o[4*x+1], o[4*x+2], o[4*x+3] = r, g, bl, 255
			}
		case *image.Gray:
			row := m.Pix[m.PixOffset(b.Min.X, sy):]
			for x := 0; x < w; x++ {
				v := row[x]
				o[4*x], o[4*x+1], o[4*x+2], o[4*x+3] = v, v, v, 255
			}
		default:
			for x := 0; x < w; x++ {
				c := color.NRGBAModel.Convert(img.At(b.Min.X+x, sy)).(color.NRGBA)
				o[4*x], o[4*x+1], o[4*x+2], o[4*x+3] = c.R, c.G, c.B, c.A
			}
		}
	}
	return out
}

// plane is a single-channel float image, row-major.
type plane struct {
	w, h int
	p    []float64
}

func newPlane(w, h int) *plane { return &plane{w: w, h: h, p: make([]float64, w*h)} }

// span is one source pixel's share of a destination pixel in area resampling.
type span struct {
	dst [2]int
	wt  [2]float64
}

// areaSpans gives, for each of n source pixels, the one or two destination
// pixels (of m = ceil-ish n*f) it overlaps and the overlap weights, so that
// each destination pixel is the mean of the source area it covers.
func areaSpans(n, m int) []span {
	s := make([]span, n)
	f := float64(m) / float64(n) // destination pixels per source pixel, <= 1
	for x := 0; x < n; x++ {
		lo, hi := float64(x)*f, float64(x+1)*f
		d := int(lo)
		if d >= m {
			d = m - 1
		}
		edge := float64(d + 1)
		if hi <= edge || d+1 >= m {
			s[x] = span{dst: [2]int{d, d}, wt: [2]float64{1, 0}}
			continue
		}
		a := (edge - lo) / f
		s[x] = span{dst: [2]int{d, d + 1}, wt: [2]float64{a, 1 - a}}
	}
	return s
}

// lumaPlane returns img's luma area-resampled to w x h (w, h <= the image's
// size), reading the image one row at a time.
func lumaPlane(img image.Image, w, h int) *plane {
	y, _ := areaLuma(img, w, h, -1)
	return y
}

// inkPlane returns, for img area-resampled to w x h, the mean luma of the
// ink pixels (luma below below) in each destination pixel (0 where it
// holds none) and the share of its area they cover.
func inkPlane(img image.Image, w, h int, below float64) (*plane, *plane) {
	return areaLuma(img, w, h, below)
}

// areaLuma is lumaPlane, or with below >= 0 the mean over only the pixels
// whose luma is under below together with their area share.
func areaLuma(img image.Image, w, h int, below float64) (*plane, *plane) {
	b := img.Bounds()
	sw, sh := b.Dx(), b.Dy()
	out := newPlane(w, h)
	var cov *plane
	var accN []float64
	if below >= 0 {
		cov, accN = newPlane(w, h), make([]float64, w)
	}
	xs, ys := areaSpans(sw, w), areaSpans(sh, h)
	row := make([]float64, sw)
	acc := make([]float64, w)
	for y := 0; y < sh; y++ {
		lumaRow(img, b.Min.Y+y, row)
		for x := range acc {
			acc[x] = 0
		}
		if cov == nil {
			for x, s := range xs {
				v := row[x]
				acc[s.dst[0]] += float64(v * s.wt[0])
				if s.wt[1] != 0 {
					acc[s.dst[1]] += float64(v * s.wt[1])
				}
			}
		} else {
			clear(accN)
			for x, s := range xs {
				v := row[x]
				if v >= below {
					continue
				}
				acc[s.dst[0]] += float64(v * s.wt[0])
				accN[s.dst[0]] += s.wt[0]
				if s.wt[1] != 0 {
					acc[s.dst[1]] += float64(v * s.wt[1])
					accN[s.dst[1]] += s.wt[1]
				}
			}
		}
		s := ys[y]
		for k := 0; k < 2; k++ {
			if s.wt[k] == 0 {
				continue
			}
			o := out.p[s.dst[k]*w : s.dst[k]*w+w]
			for x, v := range acc {
				o[x] += float64(v * s.wt[k])
			}
			if cov != nil {
				o := cov.p[s.dst[k]*w : s.dst[k]*w+w]
				for x, v := range accN {
					o[x] += float64(v * s.wt[k])
				}
			}
		}
	}
	// Normalise by the covered area (exact even for partial edge pixels).
	colW := make([]float64, w)
	for _, s := range xs {
		colW[s.dst[0]] += s.wt[0]
		colW[s.dst[1]] += s.wt[1]
	}
	rowW := make([]float64, h)
	for _, s := range ys {
		rowW[s.dst[0]] += s.wt[0]
		rowW[s.dst[1]] += s.wt[1]
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := y*w + x
			if cov == nil {
				out.p[i] /= float64(colW[x] * rowW[y])
				continue
			}
			if n := cov.p[i]; n > 0 {
				out.p[i] /= n
			}
			cov.p[i] /= float64(colW[x] * rowW[y])
		}
	}
	return out, cov
}

// boxBlur returns the mean of p over a (2r+1)^2 window, the window clipped at
// the borders. Running sums make it O(1) per pixel whatever r; the vertical
// pass runs over whole rows so it reads memory in order.
func boxBlur(p *plane, r int) *plane {
	return boxBlurTo(p, newPlane(p.w, p.h), newPlane(p.w, p.h), r)
}

// boxBlurTo is boxBlur into out, with tmp as scratch (both p's size; out may
// be p itself, which is read only before out is written).
func boxBlurTo(p, out, tmp *plane, r int) *plane {
	w, h := p.w, p.h
	for y := 0; y < h; y++ {
		boxLine(p.p[y*w:y*w+w], tmp.p[y*w:y*w+w], r)
	}
	acc := make([]float64, w)
	for y := 0; y <= min(r, h-1); y++ {
		row := tmp.p[y*w : y*w+w]
		for x, v := range row {
			acc[x] += v
		}
	}
	for y := 0; y < h; y++ {
		n := float64(min(h-1, y+r) - max(0, y-r) + 1)
		o := out.p[y*w : y*w+w]
		for x, v := range acc {
			o[x] = v / n
		}
		if y+r+1 < h {
			row := tmp.p[(y+r+1)*w : (y+r+1)*w+w]
			for x, v := range row {
				acc[x] += v
			}
		}
		if y-r >= 0 {
			row := tmp.p[(y-r)*w : (y-r)*w+w]
			for x, v := range row {
				acc[x] -= v
			}
		}
	}
	return out
}

// boxLine is the 1-D clipped box mean of in into out. The running sum is
// recomputed from scratch never, but its additions and subtractions come in
// a fixed order, so the result is deterministic.
func boxLine(in, out []float64, r int) {
	n := len(in)
	var s float64
	hi := min(r, n-1)
	for i := 0; i <= hi; i++ {
		s += in[i]
	}
	for i := 0; i < n; i++ {
		lo := max(0, i-r)
		top := min(n-1, i+r)
		out[i] = s / float64(top-lo+1)
		if i+r+1 < n {
			s += in[i+r+1]
		}
		if i-r >= 0 {
			s -= in[i-r]
		}
	}
}
