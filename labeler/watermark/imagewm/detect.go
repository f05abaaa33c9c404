package imagewm

import (
	"crypto/sha256"
	"image"
	"math"
	"sort"
	"sync"

	"github.com/aigclabel/aigclabel/labeler/watermark/payload"
)

// Detection constants.
const (
	sub      = 4               // folded-tile bins per cell
	foldSide = tileCells * sub // folded tile side in bins
	acfSide  = 1024            // autocorrelation window (at most)
	minLag   = 20.0            // shortest tile period searched, detection pixels
	maxRot   = 10 * math.Pi / 180
	lattices = 3 // lattice candidates tried
	// minSyncZ is the sync correlation peak (a z-score over all offsets
	// and orientations) below which a lattice is not read: unmarked images
	// give 3.8-4.8, and no mark with a peak under 5.9 was decodable in the
	// corpus runs (it takes about 7 for the 82% raw bit accuracy the decoder
	// needs, by the chip counts).
	minSyncZ = 5.0
)

// Detect looks for a mark made with key in img. It needs no original. It
// returns an error only for an empty key; an image too small to search
// reports not found.
func Detect(img image.Image, key []byte) (Result, error) {
	if len(key) == 0 {
		return Result{Confidence: 1}, ErrNoKey
	}
	d, f := newDetector(img, key)
	if d == nil {
		return Result{Confidence: 1}, nil
	}
	decodes := 0
	for _, A := range d.lattices() {
		if decodes >= MaxCandidates {
			break
		}
		soft, _, ok := d.read(A, true)
		if !ok {
			continue
		}
		decodes++
		id, errs, ok := payload.Decode(soft)
		if ok {
			return Result{
				Found:      true,
				Payload:    id,
				Confidence: min(1, float64(MaxCandidates)*payload.FalsePositive(errs)),
				BitErrors:  errs,
				Period:     math.Sqrt(math.Abs(A[0]*A[3]-A[1]*A[2])) / f,
				Rotation:   math.Atan2(A[2], A[0]) * 180 / math.Pi,
			}, nil
		}
	}
	return Result{Confidence: 1}, nil
}

// SoftBits returns the soft code bits (see payload.Decode) read along the
// geometry candidate with the strongest sync correlation, or nil when the
// image is too small. It is for measurement (raw bit accuracy); Detect is
// the detector.
func SoftBits(img image.Image, key []byte) []float64 {
	if len(key) == 0 {
		return nil
	}
	d, _ := newDetector(img, key)
	if d == nil {
		return nil
	}
	var best []float64
	bestZ := math.Inf(-1)
	for _, A := range d.lattices() {
		if soft, z, ok := d.read(A, false); ok && z > bestZ {
			best, bestZ = soft, z
		}
	}
	return best
}

// newDetector prepares the whitened working-resolution residual; it returns
// nil for an image too small to search, and the working scale factor.
func newDetector(img image.Image, key []byte) (*detector, float64) {
	b := img.Bounds()
	if min(b.Dx(), b.Dy()) < 2*minLag+8 {
		return nil, 0
	}
	ww, wh, f := workSize(b.Dx(), b.Dy(), workSide)
	y := lumaPlane(img, ww, wh)
	paper := paperLike(y, paperShareDetect)
	r := whiten(y)
	if paper {
		addInk(r, img)
	}
	return &detector{r: r, keyed: keyedFor(key)}, f
}

// whiten returns the luma's weighted residual: deviation from a 5x5 mean,
// divided by the local variance, clipped, so that edges and textures do not
// dominate the correlations.
func whiten(y *plane) *plane {
	// y is overwritten with the residual; two more planes serve as the
	// mean (then squares, then local variance) and as scratch.
	tmp := newPlane(y.w, y.h)
	rms := boxBlurTo(y, newPlane(y.w, y.h), tmp, 2)
	r := y
	for i, v := range y.p {
		d := v - rms.p[i]
		r.p[i] = d
		rms.p[i] = float64(d * d)
	}
	boxBlurTo(rms, rms, tmp, 4)
	for i, v := range r.p {
		sd := math.Sqrt(max(rms.p[i], 0)) + 1
		// Weight by mark amplitude over noise variance: the embedder's
		// masking grows the mark only as activity^(1/4), so smooth areas
		// carry the mark with the best signal-to-noise ratio. 1/sd^2 is
		// close to optimal (measured against 1/sd ... 1/sd^2.25).
		v = v * 5 / float64(sd*sd)
		r.p[i] = max(-3, min(3, v))
	}
	return r
}

// Ink reading constants.
const (
	// inkLevelRadius is the radius (working pixels) over which addInk takes
	// the local ink level.
	inkLevelRadius = 6
	// inkSpan: addInk reads the pixels up to this far above the ink's own
	// level (the mark in the ink is at most inkCap, times a brightening's
	// gain); paler pixels are mostly strokes' edges, whose mix of ink and
	// paper is noise to the mark, all the more in a downscaled page.
	inkSpan = 40
	// inkQuantile is the share of the dark pixels (luma below 128) at or
	// under the ink level.
	inkQuantile = 0.2
)

// inkLevel returns the luma of img's ink: the inkQuantile of its dark
// pixels (luma below 128), or -1 when it has none.
func inkLevel(img image.Image) float64 {
	b := img.Bounds()
	var hist [128]int
	row := make([]float64, b.Dx())
	n := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		lumaRow(img, y, row)
		for _, v := range row {
			if v < 128 {
				hist[int(v)]++
				n++
			}
		}
	}
	if n == 0 {
		return -1
	}
	k := int(inkQuantile * float64(n))
	for l, c := range hist {
		if k -= c; k < 0 {
			return float64(l)
		}
	}
	return 127
}

// addInk adds to residual r (of a paper-like image, see paperLike) the ink's
// own residual: per working pixel, the mean luma of its ink pixels (read at
// full size, so the white around a stroke does not drown it) minus the
// local ink level, normalised by its RMS over the image and weighted by the
// ink's area share. In r's whitening the strokes' edges dominate, and after
// a brightening that clips the paper the ink is all that carries the mark.
func addInk(r *plane, img image.Image) {
	lvl := inkLevel(img)
	if lvl < 0 {
		return
	}
	m, n := inkPlane(img, r.w, r.h, lvl+inkSpan)
	sn := newPlane(r.w, r.h)
	for i, v := range m.p {
		sn.p[i] = float64(v * n.p[i])
	}
	tmp := newPlane(r.w, r.h)
	loc := boxBlurTo(sn, sn, tmp, inkLevelRadius)
	cov := boxBlurTo(n, newPlane(r.w, r.h), tmp, inkLevelRadius)
	var e2, c float64
	for i, v := range n.p {
		if v > 0 {
			e := m.p[i] - loc.p[i]/cov.p[i]
			m.p[i] = e
			e2 += float64(float64(e*e) * v)
			c += v
		}
	}
	if c == 0 {
		return
	}
	sd := math.Sqrt(e2/c) + 1
	for i, v := range n.p {
		if v > 0 {
			r.p[i] += max(-3, min(3, float64(m.p[i]/sd*v)))
		}
	}
}

type detector struct {
	r *plane
	*keyed
}

// keyed is what the detector derives from the key alone: the chip layout
// and the sync template's spectra.
type keyed struct {
	lay *layout
	// tre, tim hold the FFT of the sync template on the folded grid in each
	// of the eight orientations (see orient), conjugated for correlation.
	tre, tim [8][]float64
}

// keyedCache keeps the keyed data of the last few keys (by the key's
// SHA-256, so no key is kept in memory): deriving it costs about as much as
// the rest of the detection of a small image, and a detector mostly sees
// one key.
var (
	keyedMu    sync.Mutex
	keyedCache = map[[32]byte]*keyed{}
)

const keyedCacheSize = 4

// keyedFor returns the keyed data for key, from the cache when it can. The
// result is read-only.
func keyedFor(key []byte) *keyed {
	h := sha256.Sum256(key)
	keyedMu.Lock()
	k := keyedCache[h]
	keyedMu.Unlock()
	if k != nil {
		return k
	}
	k = &keyed{lay: newLayout(key)}
	k.syncTemplate()
	keyedMu.Lock()
	if len(keyedCache) >= keyedCacheSize {
		clear(keyedCache)
	}
	keyedCache[h] = k
	keyedMu.Unlock()
	return k
}

// chipBins calls fn for each folded-grid bin (periodic) that chip (i, j)'s
// bilinear footprint covers, with the footprint's weight at the bin centre.
func chipBins(i, j, dx, dy int, fn func(bin int, w float64)) {
	for by := -sub; by < sub; by++ {
		ty := 1 - math.Abs((float64(by)+0.5)/sub)
		yy := ((j*sub+by+dy)%foldSide + foldSide) % foldSide
		for bx := -sub; bx < sub; bx++ {
			tx := 1 - math.Abs((float64(bx)+0.5)/sub)
			xx := ((i*sub+bx+dx)%foldSide + foldSide) % foldSide
			fn(yy*foldSide+xx, float64(tx*ty))
		}
	}
}

// syncTemplate renders the sync chips on the folded grid and transforms it
// in the eight orientations. Correlating the folded image with orientation
// o of the template equals correlating orientation o^-1 of the image with
// the template, so one FFT of the image serves all eight.
func (d *keyed) syncTemplate() {
	n := foldSide * foldSide
	t := make([]float64, n)
	for k := 0; k < chips; k++ {
		if d.lay.bit[k] >= 0 {
			continue
		}
		s := float64(d.lay.sign[k])
		chipBins(k%tileCells, k/tileCells, 0, 0, func(bin int, w float64) { t[bin] += s * w })
	}
	for o := 0; o < 8; o += 2 {
		ar, ai, br, bi := fft2Pair(unorient(t, o), unorient(t, o+1), foldSide, foldSide)
		for i := range ai {
			ai[i], bi[i] = -ai[i], -bi[i]
		}
		d.tre[o], d.tim[o], d.tre[o+1], d.tim[o+1] = ar, ai, br, bi
	}
}

// lattices finds the tile lattice in the residual's autocorrelation and
// returns up to `lattices` candidate bases A = [a1x, a2x, a1y, a2y] (columns
// a1, a2 are the tile's axes in detection pixels), best first.
func (d *detector) lattices() [][4]float64 {
	r := d.r
	side := float64(min(r.w, r.h))
	// The mark's period is a quarter of the marked image's shorter side, so
	// in an image that shows most of it (crops down to 60%, borders up to
	// 50%) the period lies in [side/6, side/1.6]. (Searching large periods
	// at half resolution would be 4x cheaper but loses weak marks.)
	pMin := max(minLag, side/6)
	pMax := side / 1.6
	// The autocorrelation is taken at half resolution when the image is
	// large enough: the mark's chips span at least 2.7 pixels there, so its
	// energy lies below a quarter cycle per pixel, and dropping the band
	// above (mostly noise) sharpens the lattice peaks; it also makes the
	// transforms four times cheaper.
	sc := 1.0
	if min(r.w, r.h) >= 320 {
		r = decimate2(r)
		sc = 2
		pMin, pMax = pMin/2, pMax/2
	}
	cw, ch := min(r.w, acfSide), min(r.h, acfSide)
	nw, nh := pow2(cw), pow2(ch)
	// Lattice points up to twice the period are scored, so the transform
	// must hold lags up to 0.8 of the window without wrapping onto itself.
	for float64(nw)/2 < 0.8*float64(min(cw, ch)) && nw < 2*acfSide {
		nw *= 2
	}
	for float64(nh)/2 < 0.8*float64(min(cw, ch)) && nh < 2*acfSide {
		nh *= 2
	}
	x0, y0 := (r.w-cw)/2, (r.h-ch)/2
	re := make([]float64, nw*nh)
	for y := 0; y < ch; y++ {
		copy(re[y*nw:y*nw+cw], r.p[(y0+y)*r.w+x0:(y0+y)*r.w+x0+cw])
	}
	// The residual is real, so its power spectrum is even: transform half of
	// it and mirror (realHalf2), likewise back to the (real, even)
	// autocorrelation.
	hw := nw/2 + 1
	hr, hi := realHalf2(re, nw, nh, ch, false)
	for y := 0; y < nh; y++ {
		my := (nh - y) & (nh - 1)
		for x := 0; x < nw; x++ {
			k := y*hw + x
			if x >= hw {
				k = my*hw + nw - x
			}
			re[y*nw+x] = float64(hr[k]*hr[k]) + float64(hi[k]*hi[k])
		}
	}
	re[0] = 0
	// Whiten the power spectrum against its local mean: the mark's comb of
	// spectral lines stands out, the host's smooth spectrum flattens.
	pl := &plane{w: nw, h: nh, p: re}
	loc, tmp := newPlane(nw, nh), newPlane(nw, nh)
	boxBlurWrapTo(pl, loc, tmp, 6)
	for i, v := range re {
		q := v / (loc.p[i] + 1e-9)
		re[i] = min(q, 30) // no single line dominates
	}
	hr, _ = realHalf2(re, nw, nh, nh, true)
	for y := 0; y < nh; y++ {
		my := (nh - y) & (nh - 1)
		for x := 0; x < nw; x++ {
			if x < hw {
				re[y*nw+x] = hr[y*hw+x]
			} else {
				re[y*nw+x] = hr[my*hw+nw-x]
			}
		}
	}
	acf := &acfMap{w: nw, h: nh, cw: cw, ch: ch, v: re}
	acf.normalise()
	// Remove the autocorrelation's smooth background (host structure the
	// spectral whitening left), so only sharp peaks score.
	bg := boxBlurWrapTo(&plane{w: nw, h: nh, p: acf.v}, loc, tmp, acfHP)
	for i := range acf.v {
		acf.v[i] -= bg.p[i]
	}
	maxLag := min(0.48*float64(min(nw, nh)), 0.8*float64(min(cw, ch)))
	pMax = min(pMax, maxLag)
	if pMax < pMin {
		return nil
	}
	blur := acf.blurred(tmp.p)

	type cand struct{ p, th, s float64 }
	// Grid steps that move the farthest lattice point scored by about one
	// sample (the coarse map is smoothed over about that much).
	step := 1 / maxLag
	var ps, ths []float64
	for p := pMin; p <= pMax; p *= 1 + step {
		ps = append(ps, p)
	}
	for th := -maxRot; th <= maxRot; th += step {
		ths = append(ths, th)
	}
	nt := len(ths)
	grid := make([]float64, len(ps)*nt)
	for i, p := range ps {
		for j, th := range ths {
			grid[i*nt+j] = blur.latticeScore(p, th, maxLag)
		}
	}
	// Only the grid's local maxima are candidates.
	var cs []cand
	for i := range ps {
		for j := range ths {
			v := grid[i*nt+j]
			peak := true
			for di := -1; di <= 1 && peak; di++ {
				for dj := -1; dj <= 1; dj++ {
					ii, jj := i+di, j+dj
					if (di != 0 || dj != 0) && ii >= 0 && ii < len(ps) && jj >= 0 && jj < nt && grid[ii*nt+jj] > v {
						peak = false
						break
					}
				}
			}
			if peak {
				cs = append(cs, cand{ps[i], ths[j], v})
			}
		}
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].s > cs[j].s })
	var out [][4]float64
	var kept []cand
	for _, c := range cs {
		if len(out) >= lattices {
			break
		}
		dup := false
		for _, k := range kept {
			if math.Abs(c.p/k.p-1) < 0.03 && math.Abs(c.th-k.th) < 0.02 {
				dup = true
				break
			}
		}
		if dup {
			continue
		}
		kept = append(kept, c)
		p, th := acf.fine(c.p, c.th, maxLag, step)
		cs, sn := math.Cos(th)*p*sc, math.Sin(th)*p*sc
		A := [4]float64{cs, -sn, sn, cs}
		out = append(out, A)
	}
	return out
}

// acfMap is a circular autocorrelation with its window's content size.
type acfMap struct {
	w, h, cw, ch int
	v            []float64
}

// normalise divides by the overlap area at each lag and by the zero lag.
func (a *acfMap) normalise() {
	z := a.v[0]
	if z == 0 {
		z = 1
	}
	for y := 0; y < a.h; y++ {
		dy := min(y, a.h-y)
		oy := float64(a.ch - dy)
		for x := 0; x < a.w; x++ {
			dx := min(x, a.w-x)
			ox := float64(a.cw - dx)
			o := ox * oy / float64(a.cw*a.ch)
			if o < 0.05 {
				o = 0.05
			}
			// The peak of a mark grows with the overlap o, the noise with
			// its square root: dividing by sqrt(o) gives a z-like score.
			a.v[y*a.w+x] /= z * math.Sqrt(o)
		}
	}
}

// blurred returns the map smoothed by a 3x3 binomial kernel, for the
// coarse search grid.
// tmp is scratch of the map's size.
func (a *acfMap) blurred(tmp []float64) *acfMap {
	w, h := a.w, a.h
	for y := 0; y < h; y++ {
		row, o := a.v[y*w:y*w+w], tmp[y*w:y*w+w]
		o[0] = (row[w-1] + 2*row[0] + row[1]) / 4
		for x := 1; x < w-1; x++ {
			o[x] = (row[x-1] + 2*row[x] + row[x+1]) / 4
		}
		o[w-1] = (row[w-2] + 2*row[w-1] + row[0]) / 4
	}
	b := &acfMap{w: w, h: h, cw: a.cw, ch: a.ch, v: make([]float64, len(a.v))}
	for y := 0; y < h; y++ {
		u, c, d := tmp[((y+h-1)%h)*w:][:w], tmp[y*w:y*w+w], tmp[((y+1)%h)*w:][:w]
		o := b.v[y*w : y*w+w]
		for x := range o {
			o[x] = (u[x] + 2*c[x] + d[x]) / 4
		}
	}
	return b
}

// at is the bilinear value at lag (x, y), circular.
func (a *acfMap) at(x, y float64) float64 {
	fx, fy := math.Floor(x), math.Floor(y)
	tx, ty := x-fx, y-fy
	x0 := (int(fx)%a.w + a.w) % a.w
	y0 := (int(fy)%a.h + a.h) % a.h
	x1, y1 := (x0+1)%a.w, (y0+1)%a.h
	return (a.v[y0*a.w+x0]*(1-tx)+a.v[y0*a.w+x1]*tx)*(1-ty) +
		(a.v[y1*a.w+x0]*(1-tx)+a.v[y1*a.w+x1]*tx)*ty
}

// lattice points scored (half-plane; the ACF is symmetric), and the half
// points whose peaks would mean the true period is half the candidate's.
// acfHP is the radius of the box mean subtracted from the
// autocorrelation (its smooth background).
const acfHP = 2

var (
	latticePts = halfPlanePts(4)
	halfPts    = [][2]float64{{0.5, 0}, {0, 0.5}, {0.5, 0.5}, {0.5, -0.5}}
)

func (a *acfMap) latticeScore(p, th, maxLag float64) float64 {
	c, s := math.Cos(th)*p, math.Sin(th)*p
	var sum, half float64
	n, nh := 0, 0
	lim := maxLag * maxLag / (p * p)
	for _, q := range latticePts {
		if q[0]*q[0]+q[1]*q[1] > lim {
			break // nearest first
		}
		x, y := c*q[0]-s*q[1], s*q[0]+c*q[1]
		sum += a.at(x, y)
		n++
	}
	for _, q := range halfPts {
		x, y := c*q[0]-s*q[1], s*q[0]+c*q[1]
		half += a.at(x, y)
		nh++
	}
	if n < 2 {
		return math.Inf(-1)
	}
	// Sum over sqrt(n): independent z-scores add up to a z-score.
	return (sum - float64(n)*max(0, half/float64(nh))) / math.Sqrt(float64(n))
}

// fine searches a fine grid of periods and angles around (p, th) on the
// unblurred autocorrelation.
func (a *acfMap) fine(p, th, maxLag, step float64) (float64, float64) {
	bp, bth, best := p, th, math.Inf(-1)
	for i := -8; i <= 8; i++ {
		pp := p * (1 + float64(i)*step/6)
		for j := -8; j <= 8; j++ {
			tt := th + float64(j)*step/6
			if s := a.latticeScore(pp, tt, maxLag); s > best {
				bp, bth, best = pp, tt, s
			}
		}
	}
	return bp, bth
}

// read folds the residual onto one tile along lattice A (with gate, it
// stops when the sync peak is below minSyncZ), finds the tile's
// orientation and offset from the sync chips, corrects the lattice from the
// offsets the four quadrants of the image give on their own (a residual scale
// or rotation error shows as offsets that grow across the image), and returns
// the soft code bits.
func (d *detector) read(A [4]float64, gate bool) ([]float64, float64, bool) {
	det := A[0]*A[3] - A[1]*A[2]
	if math.Abs(det) < 1 {
		return nil, 0, false
	}
	// M maps a pixel offset from the image centre to folded-grid bins.
	M := [4]float64{A[3] / det * foldSide, -A[1] / det * foldSide, -A[2] / det * foldSide, A[0] / det * foldSide}
	quads, centres, total := d.fold(M, true)
	o, dx, dy, z, peak := d.bestOrientation(total)
	if z == math.Inf(-1) || gate && z < minSyncZ {
		return nil, z, false
	}
	// The drift correction is an estimate from four noisy quadrant peaks:
	// keep it only when the sync peak of the refolded tile is higher (the
	// sync chips decide, so the data chips of an unmarked image stay fair
	// coins).
	if E, ok := d.drift(quads, centres, o, dx, dy); ok {
		M2 := [4]float64{M[0] - E[0], M[1] - E[1], M[2] - E[2], M[3] - E[3]}
		_, _, total2 := d.fold(M2, false)
		fr, fi := spectrum(total2)
		c := d.correlate(fr, fi, o)
		if bi := argmax(c); c[bi] > peak {
			total, dx, dy = total2, bi%foldSide, bi/foldSide
		}
	}
	// Chips are read in the oriented frame: map the offset there. The sync
	// peak gives the offset to a bin; of it and its eight neighbours, the
	// one whose soft bits carry the most energy is read (a choice that does
	// not look at the bits' signs, so unmarked images still give fair coins).
	dx, dy = orientVec(dx, dy, o)
	f := orient(total, o)
	var soft []float64
	bestE := -1.0
	for j := -1; j <= 1; j++ {
		for i := -1; i <= 1; i++ {
			s := d.softBits(f, wrapFold(dx+i), wrapFold(dy+j))
			var e float64
			for _, v := range s {
				e += float64(v * v)
			}
			if e > bestE {
				soft, bestE = s, e
			}
		}
	}
	return soft, z, true
}

// softBits reads the code bits' soft values from oriented folded tile f
// with the tile's origin at bin (dx, dy).
func (d *detector) softBits(f []float64, dx, dy int) []float64 {
	soft := make([]float64, payload.Bits)
	for k := 0; k < chips; k++ {
		bit := d.lay.bit[k]
		if bit < 0 {
			continue
		}
		var v float64
		chipBins(k%tileCells, k/tileCells, dx, dy, func(bin int, w float64) { v += float64(f[bin] * w) })
		soft[bit] += float64(d.lay.sign[k]) * v
	}
	return soft
}

// fold averages the residual into the folded grid through M, and with quads
// also into one grid per image quadrant, returning their pixel centroids.
func (d *detector) fold(M [4]float64, quads bool) ([4][]float64, [4][2]float64, []float64) {
	r := d.r
	n := foldSide * foldSide
	var qs [4][]float64
	var qc [4][]float64
	var cen [4][2]float64
	var cn [4]float64
	nq := 1
	if quads {
		nq = 4
	}
	for q := 0; q < nq; q++ {
		qs[q], qc[q] = make([]float64, n), make([]float64, n)
	}
	cx, cy := float64(r.w)/2, float64(r.h)/2
	// A large multiple of foldSide keeps coordinates positive, so int()
	// truncation is floor and the wrap is a mask (foldSide is a power of 2).
	const bias = foldSide << 16
	mask := foldSide - 1
	for y := 0; y < r.h; y++ {
		py := float64(y) - cy
		u0, v0 := M[1]*py+bias, M[3]*py+bias
		row := r.p[y*r.w : y*r.w+r.w]
		qy := 0
		if quads && py >= 0 {
			qy = 2
		}
		for x, val := range row {
			px := float64(x) - cx
			u, v := u0+M[0]*px, v0+M[2]*px
			bin := (int(v)&mask)*foldSide + int(u)&mask
			q := 0
			if quads {
				q = qy
				if px >= 0 {
					q++
				}
				cen[q][0] += px
				cen[q][1] += py
				cn[q]++
			}
			qs[q][bin] += val
			qc[q][bin]++
		}
	}
	total := make([]float64, n)
	for i := range total {
		var s, c float64
		for q := 0; q < nq; q++ {
			s += qs[q][i]
			c += qc[q][i]
			if qc[q][i] > 0 {
				qs[q][i] /= qc[q][i]
			}
		}
		if c > 0 {
			total[i] = s / c
		}
	}
	for q := 0; q < nq; q++ {
		if cn[q] > 0 {
			cen[q][0] /= cn[q]
			cen[q][1] /= cn[q]
		}
	}
	return qs, cen, total
}

// spectrum returns the FFT of folded grid f.
func spectrum(f []float64) ([]float64, []float64) {
	re, im := make([]float64, len(f)), make([]float64, len(f))
	copy(re, f)
	fft2(re, im, foldSide, foldSide, false)
	return re, im
}

// correlate returns the circular cross-correlation of the folded grid whose
// spectrum is (fr, fi) with the sync template in orientation o^-1; its peak
// is where the template sits in orient(f, o).  The result is in the
// unoriented frame of f; mapPeak converts a peak to the oriented frame.
func (d *detector) correlate(fr, fi []float64, o int) []float64 {
	n := len(fr)
	re, im := make([]float64, n), make([]float64, n)
	tr, ti := d.tre[o], d.tim[o]
	for i := range fr {
		a, b := fr[i], fi[i]
		re[i] = float64(a*tr[i]) - float64(b*ti[i])
		im[i] = float64(a*ti[i]) + float64(b*tr[i])
	}
	fft2(re, im, foldSide, foldSide, true)
	return re
}

// correlate2 correlates spectrum a with template orientation oa and
// spectrum b with orientation ob using one inverse FFT: both correlations
// are real, so the inverse FFT of X1 + i X2 gives them as its real and
// imaginary parts.
func (d *detector) correlate2(ar, ai []float64, oa int, br, bi []float64, ob int) ([]float64, []float64) {
	n := len(ar)
	re, im := make([]float64, n), make([]float64, n)
	t1r, t1i, t2r, t2i := d.tre[oa], d.tim[oa], d.tre[ob], d.tim[ob]
	for i := range ar {
		x1r, x1i := float64(ar[i]*t1r[i])-float64(ai[i]*t1i[i]), float64(ar[i]*t1i[i])+float64(ai[i]*t1r[i])
		x2r, x2i := float64(br[i]*t2r[i])-float64(bi[i]*t2i[i]), float64(br[i]*t2i[i])+float64(bi[i]*t2r[i])
		re[i], im[i] = x1r-x2i, x1i+x2r
	}
	fft2(re, im, foldSide, foldSide, true)
	return re, im
}

func argmax(c []float64) int {
	bi := 0
	for i, v := range c {
		if v > c[bi] {
			bi = i
		}
	}
	return bi
}

// bestOrientation tries the eight orientations of the folded tile and
// returns the one with the strongest sync peak, its offset (unoriented
// frame) and z-score.
func (d *detector) bestOrientation(total []float64) (o, dx, dy int, z, peak float64) {
	z = math.Inf(-1)
	n := float64(len(total))
	fr, fi := spectrum(total)
	for k := 0; k < 8; k += 2 {
		c1, c2 := d.correlate2(fr, fi, k, fr, fi, k+1)
		for j, c := range [2][]float64{c1, c2} {
			var m, s2 float64
			for _, v := range c {
				m += v
				s2 += float64(v * v)
			}
			m /= n
			sd := math.Sqrt(max(0, s2/n-m*m))
			if sd == 0 {
				continue
			}
			bi := argmax(c)
			if zz := (c[bi] - m) / sd; zz > z {
				o, dx, dy, z, peak = k+j, bi%foldSide, bi/foldSide, zz, c[bi]
			}
		}
	}
	return o, dx, dy, z, peak
}

// orientVec maps an offset from the unoriented to orientation o's frame.
func orientVec(dx, dy, o int) (int, int) {
	if o&1 != 0 {
		dx = -dx
	}
	if o&2 != 0 {
		dy = -dy
	}
	if o&4 != 0 {
		dx, dy = dy, dx
	}
	return wrapFold(dx), wrapFold(dy)
}

// drift estimates the linear error E (bins per pixel) of the folding map
// from each quadrant's own sync offset relative to the global one.
func (d *detector) drift(quads [4][]float64, centres [4][2]float64, o, dx, dy int) ([4]float64, bool) {
	var dlt [4][2]float64
	var cs [4][]float64
	for q := 0; q < 4; q += 2 {
		ar, ai, br, bi := fft2Pair(quads[q], quads[q+1], foldSide, foldSide)
		cs[q], cs[q+1] = d.correlate2(ar, ai, o, br, bi, o)
	}
	for q := 0; q < 4; q++ {
		c := cs[q]
		// Peak within ±6 bins of the global offset, sub-bin by parabola.
		best, bx, by := math.Inf(-1), 0, 0
		for j := -6; j <= 6; j++ {
			for i := -6; i <= 6; i++ {
				v := c[wrapFold(dy+j)*foldSide+wrapFold(dx+i)]
				if v > best {
					best, bx, by = v, i, j
				}
			}
		}
		at := func(i, j int) float64 { return c[wrapFold(dy+j)*foldSide+wrapFold(dx+i)] }
		fx, fy := float64(bx), float64(by)
		if den := at(bx-1, by) - 2*best + at(bx+1, by); den < 0 {
			fx += 0.5 * (at(bx-1, by) - at(bx+1, by)) / den
		}
		if den := at(bx, by-1) - 2*best + at(bx, by+1); den < 0 {
			fy += 0.5 * (at(bx, by-1) - at(bx, by+1)) / den
		}
		dlt[q] = [2]float64{fx, fy}
	}
	// Least squares for delta = k + E c over the four quadrants.
	var E [4]float64
	for comp := 0; comp < 2; comp++ {
		var sxx, sxy, syy, sx, sy, sdx, sdy, sd float64
		for q := 0; q < 4; q++ {
			x, y, v := centres[q][0], centres[q][1], dlt[q][comp]
			sxx += x * x
			sxy += x * y
			syy += y * y
			sx += x
			sy += y
			sdx += v * x
			sdy += v * y
			sd += v
		}
		// Centre the regressors (removes k).
		sxx -= sx * sx / 4
		sxy -= sx * sy / 4
		syy -= sy * sy / 4
		sdx -= sd * sx / 4
		sdy -= sd * sy / 4
		det := sxx*syy - sxy*sxy
		if math.Abs(det) < 1e-9 {
			return E, false
		}
		E[2*comp] = (sdx*syy - sdy*sxy) / det
		E[2*comp+1] = (sdy*sxx - sdx*sxy) / det
	}
	return E, true
}

func wrapFold(i int) int { return (i%foldSide + foldSide) % foldSide }

// dihedral maps bin (x, y) of the folded grid to its place in
// orientation o: optional flips of x and y, then an optional swap.
func dihedral(x, y, o int) (int, int) {
	const n = foldSide
	if o&1 != 0 {
		x = n - 1 - x
	}
	if o&2 != 0 {
		y = n - 1 - y
	}
	if o&4 != 0 {
		x, y = y, x
	}
	return x, y
}

// orient returns one of the eight dihedral transforms of a folded tile.
func orient(t []float64, o int) []float64 {
	out := make([]float64, len(t))
	for y := 0; y < foldSide; y++ {
		for x := 0; x < foldSide; x++ {
			u, v := dihedral(x, y, o)
			out[v*foldSide+u] = t[y*foldSide+x]
		}
	}
	return out
}

// unorient is the inverse of orient.
func unorient(t []float64, o int) []float64 {
	out := make([]float64, len(t))
	for y := 0; y < foldSide; y++ {
		for x := 0; x < foldSide; x++ {
			u, v := dihedral(x, y, o)
			out[y*foldSide+x] = t[v*foldSide+u]
		}
	}
	return out
}

// boxBlurWrapTo is boxBlur with periodic borders: a (2r+1)^2 box mean, rows
// then columns, each with a running sum (the columns row by row, so memory
// is read in order), into res, with tmp as scratch (res may be p).
func boxBlurWrapTo(p, res, tmp *plane, r int) *plane {
	w, h := p.w, p.h
	for y := 0; y < h; y++ {
		periodicBoxFast(p.p[y*w:y*w+w], tmp.p[y*w:y*w+w], r)
	}
	rh := min(r, (h-1)/2)
	inv := 1 / float64(2*rh+1)
	acc := make([]float64, w)
	for k := -rh; k <= rh; k++ {
		row := tmp.p[((k+h)%h)*w:][:w]
		for x, v := range row {
			acc[x] += v
		}
	}
	for y := 0; y < h; y++ {
		o := res.p[y*w : y*w+w]
		for x, v := range acc {
			o[x] = v * inv
		}
		add, sub := y+rh+1, y-rh
		if add >= h {
			add -= h
		}
		if sub < 0 {
			sub += h
		}
		ra, rs := tmp.p[add*w:add*w+w], tmp.p[sub*w:sub*w+w]
		for x := range acc {
			acc[x] += ra[x] - rs[x]
		}
	}
	return res
}

// periodicBoxFast is the circular box mean with a running sum.
func periodicBoxFast(in, out []float64, r int) {
	n := len(in)
	if 2*r+1 > n {
		r = (n - 1) / 2
	}
	var s float64
	for k := -r; k <= r; k++ {
		s += in[(k+n)%n]
	}
	inv := 1 / float64(2*r+1)
	for i := 0; i < n; i++ {
		out[i] = s * inv
		add, sub := i+r+1, i-r
		if add >= n {
			add -= n
		}
		if sub < 0 {
			sub += n
		}
		s += in[add] - in[sub]
	}
}

// decimate2 returns p at half resolution (2 x 2 means).
func decimate2(p *plane) *plane {
	w, h := p.w/2, p.h/2
	out := newPlane(w, h)
	for y := 0; y < h; y++ {
		a, b := p.p[2*y*p.w:], p.p[(2*y+1)*p.w:]
		o := out.p[y*w : y*w+w]
		for x := range o {
			o[x] = (a[2*x] + a[2*x+1] + b[2*x] + b[2*x+1]) / 4
		}
	}
	return out
}

// halfPlanePts lists the lattice points (i, j) with |i|, |j| <= n in one
// half plane, nearest first.
func halfPlanePts(n int) [][2]float64 {
	var pts [][2]float64
	for j := -n; j <= n; j++ {
		for i := 0; i <= n; i++ {
			if i == 0 && j <= 0 {
				continue
			}
			pts = append(pts, [2]float64{float64(i), float64(j)})
		}
	}
	sort.SliceStable(pts, func(a, b int) bool {
		return pts[a][0]*pts[a][0]+pts[a][1]*pts[a][1] < pts[b][0]*pts[b][0]+pts[b][1]*pts[b][1]
	})
	return pts
}
