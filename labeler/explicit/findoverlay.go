package explicit

import (
	"fmt"
	"image"
	"math"

	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"

	labelfont "github.com/aigclabel/aigclabel/labeler/explicit/font"
)

// OverlayFinding is an aigclabel image label found by FindOverlay.
type OverlayFinding struct {
	Text        string          `json:"text"`
	Position    Position        `json:"position"`
	Box         image.Rectangle `json:"box"`         // the ink, in the image's coordinates
	SizePercent float64         `json:"sizePercent"` // the size it matched
	Score       float64         `json:"score"`       // normalized cross-correlation, 0..1
}

// MinOverlayScore is the correlation FindOverlay requires. Labeled corpus
// images score 0.89-0.97 after JPEG q75, a 50% resize, or both; the best
// candidate on unlabeled corpus images (images, c2pa, aigc-real) scores at
// most 0.36 (see findoverlay_test.go).
const MinOverlayScore = 0.65

// Search grid: label sizes from MinSizePercent to MaxSizePercent in steps of
// sizeStep (a ratio), each matched at a reduction of the image where the
// label's CJK ink is about workInk pixels tall, allowing ±maxShift pixels
// for rounding in the layout.
const (
	sizeStep = 1.025
	workInk  = 16
	maxShift = 2
)

// FindOverlay looks for aigclabel's own explicit label (any built-in wording,
// any position, any size DrawImage allows) by template matching: for each
// candidate wording and size it renders the label as DrawImage lays it out,
// and correlates the ink mask with the image's luminance where the label
// would be, on a box-filtered reduction of the image. Either polarity (light
// or dark text) matches. It returns at most one finding per position, the
// best scoring one.
func FindOverlay(img image.Image) []OverlayFinding {
	var out []OverlayFinding
	for _, f := range bestOverlays(img) {
		if f.Score >= MinOverlayScore {
			out = append(out, f)
		}
	}
	return out
}

// bestOverlays returns the best candidate at each position, however weak.
func bestOverlays(img image.Image) []OverlayFinding {
	w0, h0 := img.Bounds().Dx(), img.Bounds().Dy()
	side0 := min(w0, h0)
	if side0 < MinImageSide {
		return nil
	}
	// Every level is a multiple k = k0*m of the base reduction k0 (the one
	// the smallest label needs), computed once, band by band, so a 100 MP
	// image never needs a full-resolution copy; levels come from the base's
	// summed-area table.
	k0 := max(1, int(float64(side0)*MinSizePercent/100/workInk))
	wb, hb := w0/k0, h0/k0
	sat := summedArea(lumaBase(img, k0), wb, hb)
	f := labelfont.Default()
	var b sfnt.Buffer
	levels := map[int][]float64{}
	bounds := image.Rect(0, 0, w0, h0)
	best := map[Position]OverlayFinding{}
	for _, text := range Wordings {
		span, upem, err := cjkSpan(f, &b, text)
		if err != nil {
			continue
		}
		for pct := MinSizePercent; pct <= MaxSizePercent; pct *= sizeStep {
			ink0 := float64(side0) * pct / 100 // ink height at full size, px
			m := max(1, int(ink0/workInk)/k0)
			k := k0 * m
			wk, hk := wb/m, hb/m
			g, ok := levels[m]
			if !ok {
				g = reduce(sat, wb, hb, m)
				levels[m] = g
			}
			// ppem (26.6) giving that ink height at the reduction.
			ppem := fixed.Int26_6(ink0 / float64(k) * 64 * float64(upem) * 64 / float64(span))
			tm, err := rasterize(f, &b, text, ppem)
			if err != nil || tm.cjkH < 4 {
				continue
			}
			tmpl, tnorm := template(tm)
			if tnorm == 0 {
				continue
			}
			tw, th := tm.mask.Rect.Dx(), tm.mask.Rect.Dy()
			for _, pos := range Positions {
				geo, err := place(tm, pos, wk, hk)
				if err != nil {
					break // too big for this image at every position
				}
				sc, at := bestNCC(g, wk, hk, tmpl, tnorm, tw, th, geo.ink.Min, maxShift)
				if sc > best[pos].Score {
					r := image.Rect(at.X*k, at.Y*k, (at.X+tw)*k, (at.Y+th)*k)
					best[pos] = OverlayFinding{
						Text: text, Position: pos, Box: r.Intersect(bounds),
						SizePercent: math.Round(pct*10) / 10, Score: math.Round(sc*1000) / 1000,
					}
				}
			}
		}
	}
	var out []OverlayFinding
	for _, pos := range Positions {
		if f, ok := best[pos]; ok {
			out = append(out, f)
		}
	}
	return out
}

// cjkSpan returns the ink height of text's CJK glyphs in font units * 64
// (at ppem = upem), and upem.
func cjkSpan(f *sfnt.Font, b *sfnt.Buffer, text string) (int64, int64, error) {
	upem := fixed.Int26_6(f.UnitsPerEm())
	var top, bot fixed.Int26_6
	found := false
	for _, r := range text {
		if !isCJK(r) {
			continue
		}
		gi, err := f.GlyphIndex(b, r)
		if err != nil || gi == 0 {
			return 0, 0, fmt.Errorf("explicit: no glyph for %q", r)
		}
		bounds, _, err := f.GlyphBounds(b, gi, upem*64, font.HintingNone)
		if err != nil {
			return 0, 0, fmt.Errorf("explicit: glyph %q: %w", r, err)
		}
		if !found || bounds.Min.Y < top {
			top = bounds.Min.Y
		}
		if !found || bounds.Max.Y > bot {
			bot = bounds.Max.Y
		}
		found = true
	}
	if !found || bot <= top {
		return 0, 0, &WordingError{text, "has no CJK glyph to size the label by"}
	}
	return int64(bot - top), int64(upem), nil
}

// lumaBase returns the image's luma (BT.601, 0..255) averaged over k x k
// blocks: (w/k) x (h/k) values. It converts k rows at a time.
func lumaBase(img image.Image, k int) []float64 {
	r := img.Bounds()
	wb, hb := r.Dx()/k, r.Dy()/k
	out := make([]float64, wb*hb)
	sub, ok := img.(interface {
		SubImage(image.Rectangle) image.Image
	})
	var whole *image.NRGBA
	if !ok {
		whole = toNRGBA(img)
	}
	sums := make([]int64, wb)
	for y := range hb {
		var band *image.NRGBA
		if ok {
			band = toNRGBA(sub.SubImage(image.Rect(r.Min.X, r.Min.Y+y*k, r.Max.X, r.Min.Y+(y+1)*k)))
		} else {
			band = whole.SubImage(image.Rect(0, y*k, whole.Rect.Dx(), (y+1)*k)).(*image.NRGBA)
		}
		clear(sums)
		for dy := range k {
			row := band.Pix[band.PixOffset(band.Rect.Min.X, band.Rect.Min.Y+dy):]
			for x := range wb * k {
				p := row[4*x : 4*x+3]
				sums[x/k] += int64(299*int(p[0]) + 587*int(p[1]) + 114*int(p[2]))
			}
		}
		d := float64(1000 * k * k)
		for x, v := range sums {
			out[y*wb+x] = float64(v) / d
		}
	}
	return out
}

// summedArea returns the summed-area table of a w x h grid: entry (x, y) of
// the (w+1) x (h+1) table is the sum over [0,x) x [0,y).
func summedArea(g []float64, w, h int) []float64 {
	sat := make([]float64, (w+1)*(h+1))
	for y := range h {
		var acc float64
		above, cur := sat[y*(w+1):], sat[(y+1)*(w+1):]
		for x := range w {
			acc += g[y*w+x]
			cur[x+1] = above[x+1] + acc
		}
	}
	return sat
}

// reduce returns the w x h grid behind sat averaged over m x m blocks.
func reduce(sat []float64, w, h, m int) []float64 {
	wk, hk := w/m, h/m
	g := make([]float64, wk*hk)
	d := float64(m * m)
	for y := range hk {
		a, b := sat[y*m*(w+1):], sat[(y+1)*m*(w+1):]
		for x := range wk {
			x0, x1 := x*m, (x+1)*m
			g[y*wk+x] = (b[x1] - b[x0] - a[x1] + a[x0]) / d
		}
	}
	return g
}

// template returns the mask as zero-mean values, and their norm.
func template(tm textMask) ([]float64, float64) {
	m := tm.mask
	w, h := m.Rect.Dx(), m.Rect.Dy()
	t := make([]float64, w*h)
	var sum float64
	for y := range h {
		for x := range w {
			v := float64(m.Pix[y*m.Stride+x])
			t[y*w+x] = v
			sum += v
		}
	}
	mean := sum / float64(len(t))
	var ss float64
	for i, v := range t {
		d := v - mean
		t[i] = d
		ss += float64(d * d)
	}
	return t, math.Sqrt(ss)
}

// bestNCC returns the largest |normalized cross-correlation| of the zero-mean
// template (tw x th) with the image g around at (±shift), and where it was.
// Shifts beyond ±1 are tried only when the 3x3 neighbourhood already looks
// like text (correlation above 0.3): most candidates are not labels.
func bestNCC(g []float64, w, h int, tmpl []float64, tnorm float64, tw, th int, at image.Point, shift int) (float64, image.Point) {
	best, bestAt := 0.0, at
	try := func(dx, dy int) {
		if c := ncc(g, w, h, tmpl, tnorm, tw, th, at.X+dx, at.Y+dy); c > best {
			best, bestAt = c, image.Pt(at.X+dx, at.Y+dy)
		}
	}
	for dy := -1; dy <= 1; dy++ {
		for dx := -1; dx <= 1; dx++ {
			try(dx, dy)
		}
	}
	if best < 0.3 {
		return best, bestAt
	}
	for dy := -shift; dy <= shift; dy++ {
		for dx := -shift; dx <= shift; dx++ {
			if dx < -1 || dx > 1 || dy < -1 || dy > 1 {
				try(dx, dy)
			}
		}
	}
	return best, bestAt
}

// ncc is |normalized cross-correlation| of the template placed at (x0, y0).
func ncc(g []float64, w, h int, tmpl []float64, tnorm float64, tw, th, x0, y0 int) float64 {
	if x0 < 0 || y0 < 0 || x0+tw > w || y0+th > h {
		return 0
	}
	n := float64(tw * th)
	var dot, sum, ss float64
	for y := range th {
		row := g[(y0+y)*w+x0 : (y0+y)*w+x0+tw]
		trow := tmpl[y*tw : (y+1)*tw]
		for x, v := range row {
			dot += float64(v * trow[x])
			sum += v
			ss += float64(v * v)
		}
	}
	// Σt(g-ḡ) = Σtg because t has zero mean.
	vg := ss - float64(sum*sum)/n
	if vg < 16*n { // flat (std below 4 levels): no text there
		return 0
	}
	return math.Abs(dot) / (tnorm * math.Sqrt(vg))
}
