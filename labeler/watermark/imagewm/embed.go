package imagewm

import (
	"image"
	"math"

	"github.com/aigclabel/aigclabel/labeler/watermark/payload"
)

// Embedding constants (0-255 luma levels).
const (
	workSide   = 512  // detection works with the shorter side at most this
	maskSide   = 256  // the masking map is computed with the shorter side at most this
	flatFloor  = 1.5  // activity floor, so flat areas still carry a faint mark
	actCap     = 24.0 // activity above this adds no strength (edges)
	maxAmp     = 7.0  // the strongest change allowed, in levels
	flatAmpCap = 1.6  // the strongest change allowed in a flat area
)

// maskScale is 8^(3/4) and mask8Scale 8^(7/8): activity 8 (moderate
// texture) maps to itself under both laws.
var (
	maskScale  = math.Sqrt(math.Sqrt(8)) * math.Sqrt(math.Sqrt(8)) * math.Sqrt(math.Sqrt(8))
	mask8Scale = 8 / math.Sqrt(math.Sqrt(math.Sqrt(8)))
)

// period returns the tile period in pixels for an image whose shorter side is s.
func period(s int) float64 {
	return math.Max(64, float64(s)/4)
}

// workSize returns the size of w x h scaled down so its shorter side is at
// most side, and the scale factor.
func workSize(w, h, side int) (int, int, float64) {
	s := min(w, h)
	if s <= side {
		return w, h, 1
	}
	f := float64(side) / float64(s)
	ww, wh := int(float64(w)*f+0.5), int(float64(h)*f+0.5)
	return max(ww, 1), max(wh, 1), f
}

// Embed returns a copy of img carrying id under key. The copy has img's size
// and alpha. It fails with ErrTooSmall or ErrTooFlat when img cannot carry a
// detectable mark; callers should still re-detect the output (verify after
// embed), as the labeler does by default.
func Embed(img image.Image, id uint64, key []byte, opts Options) (*image.NRGBA, error) {
	if len(key) == 0 {
		return nil, ErrNoKey
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if min(w, h) < MinSide {
		return nil, ErrTooSmall
	}
	psnr := opts.PSNR
	if psnr <= 0 {
		psnr = DefaultPSNR
	}
	out := toNRGBA(img)
	ww, wh, f := workSize(w, h, maskSide)
	y := lumaPlane(out, ww, wh)
	act := activity(y)

	lay := newLayout(key)
	chip := lay.chipValues(payload.Encode(id))
	cell := period(min(w, h)) / tileCells
	tab := patternTable(&chip)

	// Scale the strength to the target MSE. The keyed pattern is independent
	// of the image, so the mark's energy is mean(amp^2) * mean(pattern^2),
	// the latter taken at full-size pixel positions (where apply samples it)
	// over a block of up to 256 x 256 pixels.
	target := 255 * 255 * pow10(-psnr/10)
	target -= 1.0 / 12 // rounding to 8 bits adds about 1/12
	var pw2 float64
	bw, bh := min(w, 256), min(h, 256)
	for y := 0; y < bh; y++ {
		v := float64(y)/cell - 0.5
		for x := 0; x < bw; x++ {
			pv := tableAt(tab, float64(x)/cell-0.5, v)
			pw2 += float64(pv * pv)
		}
	}
	pw2 /= float64(bw * bh)
	amp, _ := allocateLaw(act, target, pw2)
	if amp == nil {
		return nil, ErrTooFlat
	}

	pat := newPatternRows(tab, cell, w)
	var ink *inkMask
	if paperLike(y, paperShareEmbed) {
		ink = &inkMask{bits: make([]uint64, (w*h+63)/64), act: newMaskRows(act, f, w)}
	}
	applied := apply(out, newMaskRows(amp, f, w), pat, ink)
	if ink != nil && ink.energy > 0 {
		// The ink gets what is left of the budget, up to its caps, and at
		// least inkFloor of them: after a brightening it is all a page has.
		s := math.Sqrt(max(0, target-applied) * float64(w*h) / ink.energy)
		applied += applyInk(out, ink, pat, max(min(s, 1), inkFloor))
	}
	if applied < 0.2*target {
		return nil, ErrTooFlat
	}
	return out, nil
}

// Masking laws: how the strength follows local activity a (the RMS of
// the luma's deviation from its local mean, in levels).
const (
	// lawInverse: strength grows as (64/a)^(1/4), that is more where the
	// host is smoother, capped by a visibility threshold of flatAmpCap +
	// jndSlope * a. It puts the PSNR budget where the detector sees the
	// mark best (the detector weights by 1/variance), without the pattern
	// showing in flat areas.
	lawInverse = -4
	// lawEven: the same strength everywhere.
	lawEven = 0
	// lawEighth and lawQuarter: strength grows as a^(1/8) or a^(1/4), with
	// a cap in flat areas (the law of earlier versions is lawQuarter).
	lawEighth  = 8
	lawQuarter = 4
)

// maskLaws are the laws tried, best for detection first. Embed takes the
// first law that reaches at least 80% of the target energy under its caps
// and whose ssimProxy is at least ssimFloor; lawQuarter, which keeps smooth
// images structurally intact, is the last resort.
var maskLaws = [...]int{lawInverse, lawEven, lawEighth, lawQuarter}

// jndSlope is the growth of lawInverse's cap with activity (levels per
// level of activity).
const jndSlope = 0.5

// ssimFloor is the ssimProxy an allocation must reach. The proxy is computed
// at masking resolution and reads low (0.94-0.99 where the real SSIM is
// 0.98-0.997); 0.975 was set on the corpus so that only images with texture
// nearly everywhere (kodim01, kodim05: SSIM 0.992-0.993 with lawInverse) and
// the text page get the steered laws, and every other image keeps
// lawQuarter (SSIM 0.984-0.995).
const ssimFloor = 0.975

// Paper-like images (a text page: mostly near-white background, dark
// strokes) lose the mark in the background to any brightening, which clips
// the white to 255 (brightness +20% leaves only pixels below 213). Their
// ink pixels keep it, so such an image also gets the mark in its ink, from
// what the background left of the budget, up to inkCap and to lawInverse's
// visibility cap; the detector reads the ink on its own (see addInk). A
// photo on a white background counts as paper too: its dark parts get the
// ink mark only as far as texture or edges mask it.
// Black ink clips the mark's negative half, which then costs nothing; the
// positive half still correlates with the pattern.
const (
	paperWhite       = 224 // luma of near-white paper
	paperShareEmbed  = 0.6 // share of near-white pixels (at mask resolution) for the ink mark
	paperShareDetect = 0.5 // the same for the detector's ink residual (attacks may darken a page)
	inkLuma          = 96  // ink pixels have a luma below this
	// inkCap is the strongest ink mark, in levels: maxAmp, the most the mark
	// changes any pixel. It decodes the corpus page after brightness +20%
	// with 10-25 of the 50 correctable bit errors; 12 levels would add
	// margin but shows as mottled strokes at 4x zoom.
	inkCap = maxAmp
	// inkFloor is the least share of its caps the ink gets when the rest of
	// the image took the whole budget (text is a few percent of a page, so
	// this costs little).
	inkFloor = 0.5
)

// paperLike reports whether at least share of y's pixels are near-white.
// Corpus photos have at most 6%, the text page 96%.
func paperLike(y *plane, share float64) bool {
	n := 0
	for _, v := range y.p {
		if v >= paperWhite {
			n++
		}
	}
	return float64(n) >= share*float64(len(y.p))
}

// activity returns the local activity: the RMS of the luma's deviation from
// its 3x3 mean, over 5x5 neighbourhoods.
func activity(y *plane) *plane {
	mean := boxBlur(y, 1)
	sq := newPlane(y.w, y.h)
	for i, v := range y.p {
		d := v - mean.p[i]
		sq.p[i] = float64(d * d)
	}
	act := boxBlur(sq, 2)
	for i, v := range act.p {
		act.p[i] = math.Sqrt(max(v, 0)) // running sums can leave -0.000...
	}
	return act
}

// strength returns the masking map for a masking law: activity mapped by
// the law (activity 8, moderate texture, maps to itself), with a floor,
// capped at edges.
func strength(act *plane, law int) *plane {
	out := newPlane(act.w, act.h)
	for i, a := range act.p {
		switch law {
		case lawEven:
			a = 8
		case lawInverse: // (64/a)^(1/4) with two exact square roots
			a = float64(math.Sqrt(math.Sqrt(64/max(a, 0.5))) * maskScale)
		case lawEighth: // a^(1/8) with three exact square roots
			a = float64(math.Sqrt(math.Sqrt(math.Sqrt(a))) * mask8Scale)
		default: // a^(1/4)
			a = float64(math.Sqrt(math.Sqrt(a)) * maskScale)
		}
		if a > actCap {
			a = actCap
		}
		out.p[i] = math.Sqrt(float64(a*a) + flatFloor*flatFloor)
	}
	return out
}

// allocate scales the masking map amp in place so the mark's mean squared
// change is target (pw2 is the pattern's mean square), with the flat-area
// and edge caps. It reports false when amp carries no energy.
func allocate(amp *plane, target, pw2 float64) bool {
	var e float64
	for _, a := range amp.p {
		e += float64(a * a)
	}
	e = float64(e*pw2) / float64(len(amp.p))
	if e <= 0 {
		return false
	}
	gain := math.Sqrt(target / e)
	// Flat areas (activity at the floor) never get more than flatAmpCap, so a
	// flat image does not get a visible pattern just to reach the target.
	for i, a := range amp.p {
		v := float64(a * gain)
		if lim := flatAmpCap + float64((a-flatFloor)*gain); v > lim {
			v = lim
		}
		amp.p[i] = min(v, maxAmp)
	}
	return true
}

// ssimProxy is a cheap stand-in for the SSIM the mark amp leaves: SSIM's
// structure term with the mark as added independent variance m^2 = amp^2 pw2
// over a host whose local variance is act^2, on the masking map.
func ssimProxy(amp, act *plane, pw2 float64) float64 {
	const c2 = (0.03 * 255) * (0.03 * 255)
	var s float64
	for i, a := range amp.p {
		m2 := float64(float64(a*a) * pw2)
		v := float64(act.p[i] * act.p[i])
		s += (2*v + c2) / (2*v + m2 + c2)
	}
	return s / float64(len(amp.p))
}

// tabSub is the number of pattern table samples per cell.
const tabSub = 8

// tabSide is the pattern table's side: one tile.
const tabSide = tileCells * tabSub

// patternTable samples one tile of the mark at tabSub samples per cell: the
// chips interpolated bilinearly (chip (i, j) centred at cell coordinates
// (i, j)). A table makes the per-pixel work one bilinear lookup whatever
// the chip shape.
func patternTable(chip *[chips]float64) []float64 {
	t := make([]float64, tabSide*tabSide)
	for y := 0; y < tabSide; y++ {
		j0, tv := y/tabSub, float64(y%tabSub)/tabSub
		j1 := (j0 + 1) % tileCells
		for x := 0; x < tabSide; x++ {
			i0, tu := x/tabSub, float64(x%tabSub)/tabSub
			i1 := (i0 + 1) % tileCells
			top := float64(chip[j0*tileCells+i0]*(1-tu)) + float64(chip[j0*tileCells+i1]*tu)
			bot := float64(chip[j1*tileCells+i0]*(1-tu)) + float64(chip[j1*tileCells+i1]*tu)
			t[y*tabSide+x] = float64(top*(1-tv)) + float64(bot*tv)
		}
	}
	return t
}

// tableAt is the pattern table's bilinear value at cell coordinates (u, v).
func tableAt(t []float64, u, v float64) float64 {
	u, v = u*tabSub, v*tabSub
	fu, fv := math.Floor(u), math.Floor(v)
	i0, j0 := wrapTab(int(fu)), wrapTab(int(fv))
	i1, j1 := (i0+1)%tabSide, (j0+1)%tabSide
	tu, tv := u-fu, v-fv
	top := float64(t[j0*tabSide+i0]*(1-tu)) + float64(t[j0*tabSide+i1]*tu)
	bot := float64(t[j1*tabSide+i0]*(1-tu)) + float64(t[j1*tabSide+i1]*tu)
	return float64(top*(1-tv)) + float64(bot*tv)
}

func wrapTab(i int) int {
	i %= tabSide
	if i < 0 {
		i += tabSide
	}
	return i
}

func wrap(i int) int {
	i %= tileCells
	if i < 0 {
		i += tileCells
	}
	return i
}

// pow10 is 10^x for the strength; math.Pow may differ in the last bit between
// amd64 assembly and the pure Go used in WASM, so compute it from exact steps:
// 10^x = 10^int * 10^frac with the fraction by repeated square roots.
func pow10(x float64) float64 {
	neg := x < 0
	if neg {
		x = -x
	}
	r := 1.0
	for x >= 1 {
		r *= 10
		x--
	}
	// 10^frac as a product of 10^(2^-k) for the binary digits of frac.
	s := math.Sqrt(10)
	for k := 0; k < 40 && x > 0; k++ {
		x *= 2
		if x >= 1 {
			r = float64(r * s)
			x--
		}
		s = math.Sqrt(s)
	}
	if neg {
		return 1 / r
	}
	return r
}

// patternRows evaluates the mark's pattern at full-size pixel positions,
// one row at a time: load(y) prepares row y, at(x) is its value at column x.
type patternRows struct {
	tab  []float64
	cell float64
	cols []patternCol
	wrow []float64
}

type patternCol struct {
	i0, i1 int
	tu     float64
}

func newPatternRows(tab []float64, cell float64, w int) *patternRows {
	p := &patternRows{tab: tab, cell: cell, cols: make([]patternCol, w), wrow: make([]float64, tabSide)}
	for x := range p.cols {
		u := (float64(x)/cell - 0.5) * tabSub
		fu := math.Floor(u)
		i0 := wrapTab(int(fu))
		p.cols[x] = patternCol{i0, (i0 + 1) % tabSide, u - fu}
	}
	return p
}

func (p *patternRows) load(y int) {
	v := (float64(y)/p.cell - 0.5) * tabSub
	fv := math.Floor(v)
	j0 := wrapTab(int(fv))
	j1 := (j0 + 1) % tabSide
	tv := v - fv
	for i := range p.wrow {
		p.wrow[i] = float64(p.tab[j0*tabSide+i]*(1-tv)) + float64(p.tab[j1*tabSide+i]*tv)
	}
}

func (p *patternRows) at(x int) float64 {
	c := p.cols[x]
	return float64(p.wrow[c.i0]*(1-c.tu)) + float64(p.wrow[c.i1]*c.tu)
}

// maskRows interpolates a masking-resolution plane bilinearly at full-size
// pixel positions, one row at a time: load(y) prepares row y, at(x) is its
// value at column x.
type maskRows struct {
	m    *plane
	f    float64
	cols []maskCol
	row  []float64
}

type maskCol struct {
	a0, a1 int
	ta     float64
}

func newMaskRows(m *plane, f float64, w int) *maskRows {
	r := &maskRows{m: m, f: f, cols: make([]maskCol, w), row: make([]float64, m.w)}
	for x := range r.cols {
		a0, a1, ta := lerpIndex((float64(x)+0.5)*f-0.5, m.w)
		r.cols[x] = maskCol{a0, a1, ta}
	}
	return r
}

func (r *maskRows) load(y int) {
	r0, r1, tr := lerpIndex((float64(y)+0.5)*r.f-0.5, r.m.h)
	w := r.m.w
	for x := range r.row {
		r.row[x] = float64(r.m.p[r0*w+x]*(1-tr)) + float64(r.m.p[r1*w+x]*tr)
	}
}

func (r *maskRows) at(x int) float64 {
	c := r.cols[x]
	return float64(r.row[c.a0]*(1-c.ta)) + float64(r.row[c.a1]*c.ta)
}

// inkMask records the ink pixels of a paper-like image (see paperLike) that
// apply left for applyInk, and the energy of their mark at its caps.
type inkMask struct {
	bits []uint64 // bit y*w+x is set for an ink pixel
	// act is the local activity. The ink's mark is capped like lawInverse's
	// (flatAmpCap + jndSlope x activity) as well as by inkCap: a stroke's
	// edges mask it, while a wide flat dark area (a dark object in a photo
	// on white) would show it as a pattern.
	act *maskRows
	// energy is the sum of the squared capped mark over the ink pixels whose
	// change would not clip at black (on black ink only the positive half
	// shows), so that scaling the capped mark by s costs about s^2 energy /
	// pixels in MSE.
	energy float64
}

// capAt is the ink mark's amplitude at column x of the row act holds.
func (k *inkMask) capAt(x int) float64 {
	return min(inkCap, flatAmpCap+float64(jndSlope*k.act.at(x)))
}

// apply adds amp x pattern to out's R, G and B in place and returns the mean
// squared change actually made (after rounding and clipping), per channel.
// With ink, the ink pixels (luma below inkLuma) are left for applyInk.
func apply(out *image.NRGBA, amp *maskRows, pat *patternRows, ink *inkMask) float64 {
	w, h := out.Rect.Dx(), out.Rect.Dy()
	var sum float64
	for y := 0; y < h; y++ {
		amp.load(y)
		pat.load(y)
		if ink != nil {
			ink.act.load(y)
		}
		px := out.Pix[y*out.Stride : y*out.Stride+4*w]
		for x := 0; x < w; x++ {
			pv := pat.at(x)
			p := px[4*x : 4*x+3 : 4*x+3]
			if ink != nil {
				if l := luma8(p[0], p[1], p[2]); l < inkLuma {
					i := y*w + x
					ink.bits[i/64] |= 1 << (i % 64)
					if pv > 0 || l >= inkLuma/8 {
						e := float64(pv * ink.capAt(x))
						ink.energy += float64(e * e)
					}
					continue
				}
			}
			d := float64(amp.at(x) * pv)
			// addLuma, written out: a call per pixel costs a fifth of Embed.
			r, g, b := clip8(float64(p[0])+d+1.0/3), clip8(float64(p[1])+d), clip8(float64(p[2])+d-1.0/3)
			dr, dg, db := int(r)-int(p[0]), int(g)-int(p[1]), int(b)-int(p[2])
			p[0], p[1], p[2] = r, g, b
			sum += float64(dr*dr + dg*dg + db*db)
		}
	}
	return sum / float64(3*w*h)
}

// applyInk adds s times the capped mark to the ink pixels of out that apply
// skipped, and returns the mean squared change made (over the whole image,
// per channel).
func applyInk(out *image.NRGBA, ink *inkMask, pat *patternRows, s float64) float64 {
	w, h := out.Rect.Dx(), out.Rect.Dy()
	var sum float64
	for y := 0; y < h; y++ {
		loaded := false
		px := out.Pix[y*out.Stride : y*out.Stride+4*w]
		for x := 0; x < w; x++ {
			i := y*w + x
			if ink.bits[i/64]&(1<<(i%64)) == 0 {
				continue
			}
			if !loaded {
				pat.load(y)
				ink.act.load(y)
				loaded = true
			}
			a := float64(s * ink.capAt(x))
			sum += addLuma(px[4*x:4*x+3:4*x+3], float64(a*pat.at(x)))
		}
	}
	return sum / float64(3*w*h)
}

// addLuma adds d to the R, G and B of pixel p, rounded and clipped, and
// returns the sum of the squared changes. Per-channel rounding offsets
// (+1/3, 0, -1/3) make the luma change follow d in finer steps than one
// level.
func addLuma(p []uint8, d float64) float64 {
	r, g, b := clip8(float64(p[0])+d+1.0/3), clip8(float64(p[1])+d), clip8(float64(p[2])+d-1.0/3)
	dr, dg, db := int(r)-int(p[0]), int(g)-int(p[1]), int(b)-int(p[2])
	p[0], p[1], p[2] = r, g, b
	return float64(dr*dr + dg*dg + db*db)
}

// clip8 rounds v to the nearest 8-bit level, clipped to 0-255.
func clip8(v float64) uint8 {
	switch {
	case v <= 0:
		return 0
	case v >= 254.5:
		return 255
	}
	return uint8(int(v + 0.5))
}

// lerpIndex splits coordinate t on an n-sample grid into two clamped sample
// indices and the weight of the second.
func lerpIndex(t float64, n int) (int, int, float64) {
	if t <= 0 {
		return 0, 0, 0
	}
	if t >= float64(n-1) {
		return n - 1, n - 1, 0
	}
	i := int(t)
	return i, i + 1, t - float64(i)
}

// allocateLaw returns the strength map of the first of maskLaws that fits
// (see there), and the law; nil when the image carries no energy.
func allocateLaw(act *plane, target, pw2 float64) (*plane, int) {
	var amp *plane
	var law int
	for _, law = range maskLaws {
		amp = strength(act, law)
		if law == lawInverse {
			if allocateCapped(amp, act, target, pw2) < 0.8 {
				continue
			}
		} else if !allocate(amp, target, pw2) {
			return nil, law
		}
		if ssimProxy(amp, act, pw2) >= ssimFloor {
			break
		}
	}
	return amp, law
}

// allocateCapped scales masking map amp in place towards the target mean
// squared change with lawInverse's visibility cap (and maxAmp), and returns
// the fraction of the target reached. The cap makes the energy nonlinear in
// the gain, so the gain is refined a fixed number of times.
func allocateCapped(amp, act *plane, target, pw2 float64) float64 {
	base := append([]float64(nil), amp.p...)
	gain := 1.0
	var e float64
	for it := 0; it < 6; it++ {
		e = 0
		for i, a := range base {
			v := min(float64(a*gain), flatAmpCap+float64(jndSlope*act.p[i]), maxAmp)
			amp.p[i] = v
			e += float64(v * v)
		}
		e = float64(e*pw2) / float64(len(amp.p))
		if e <= 0 {
			return 0
		}
		gain *= math.Sqrt(target / e)
	}
	return e / target
}
