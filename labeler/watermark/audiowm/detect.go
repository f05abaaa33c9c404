package audiowm

import (
	"math"
	"sort"

	"github.com/aigclabel/aigclabel/labeler/watermark/internal/fft"
	"github.com/aigclabel/aigclabel/labeler/watermark/payload"
)

// scales are the time-scale factors searched: the duration of a slot in the
// searched signal relative to the marked one (tempo or speed ±2.5%).
var scales = func() []float64 {
	s := make([]float64, 21)
	for i := range s {
		s[i] = 0.975 + 0.0025*float64(i)
	}
	s[10] = 1
	return s
}()

// Detection windows and search, in detection frames (8 ms).
const (
	windowFrames = 1250 // 10 s
	windowHop    = 625  // 5 s, a whole number of slots
	singleWindow = 1500 // signals up to 12 s are searched whole
	coarseStep   = 1    // slot offsets searched first
	fineStep     = 0.25 // and then around the best candidates
	maxBin       = 250  // highest bin a scaled band reaches
	// ramp is the rise and fall of a slot's weights over frames (64 ms).
	ramp = 8
	// minSync is the score a window's best alignment needs for its soft
	// values to join the sum over windows (the best alignments of
	// unmarked corpus windows scored 3.7-5.3 with six keys).
	minSync = 6
)

// alignment is one hypothesis about where the slots are.
type alignment struct {
	score  float64 // synchronisation statistic, about N(0,1) without a mark
	scale  float64 // slot duration relative to the marked signal's
	speed  bool    // band edges scaled too
	offset float64 // first slot's start, frames after the window start
	phase  int     // period slot of the first slot
}

// spectrum is the detection STFT's power in bins 0..maxBin.
type spectrum struct {
	frames int
	pow    [][maxBin + 1]float64
}

func detectSpectrum(x8 []float64) *spectrum {
	tf := fft.For(fftN)
	win := hann(fftN)
	nf := len(x8)/detectHop + 1
	sp := &spectrum{frames: nf, pow: make([][maxBin + 1]float64, nf)}
	transformPairs(x8, detectHop, nf, tf, win, func(f int, re, im []float64) {
		for i := range sp.pow[f] {
			xr, xi, yr, yi := split(re, im, i)
			sp.pow[f][i] = float64(xr*xr) + float64(xi*xi)
			if f+1 < nf {
				sp.pow[f+1][i] = float64(yr*yr) + float64(yi*yi)
			}
		}
	})
	return sp
}

// transformPairs transforms the nf Hann-windowed frames of x centred on
// multiples of hop two at a time: frame f in the real part and f+1 in the
// imaginary part of one complex transform, which fn separates with split.
func transformPairs(x []float64, hop, nf int, tf *fft.Plan, win []float64, fn func(f int, re, im []float64)) {
	re, im := make([]float64, fftN), make([]float64, fftN)
	for f := 0; f < nf; f += 2 {
		frame(x, f*hop, win, re)
		if f+1 < nf {
			frame(x, (f+1)*hop, win, im)
		} else {
			clear(im)
		}
		tf.Transform(re, im, false)
		fn(f, re, im)
	}
}

// frame fills dst with the Hann-windowed frame of x centred at c.
func frame(x []float64, c int, win, dst []float64) {
	start := c - fftN/2
	for i := range dst {
		j := start + i
		v := 0.0
		if j >= 0 && j < len(x) {
			v = float64(x[j] * win[i])
		}
		dst[i] = v
	}
}

// split returns bin i of the transforms X and Y of two real frames from
// the transform Z of x + iy: X = (Z[i] + conj Z[N-i])/2, Y = (Z[i] - conj
// Z[N-i])/2i.
func split(re, im []float64, i int) (xr, xi, yr, yi float64) {
	k := (fftN - i) % fftN
	return (re[i] + re[k]) / 2, (im[i] - im[k]) / 2, (im[i] + im[k]) / 2, (re[k] - re[i]) / 2
}

// window is the search state of one detection window.
type window struct {
	sp     *spectrum
	w0, w1 int // frames
	l      *layout
	cum    [halves][]float64 // prefix sums of part energies over frames
	cum2   [halves][]float64 // integrals of cum (piecewise linear)
	fm     float64           // the band-edge factor of cum
	ready  bool              // cum holds the sums for fm
	// The parts' bins for fm: lo..hi-1, less the fraction lof of bin lo,
	// plus the fraction hif of bin hi.
	lo, hi   [halves]int
	lof, hif [halves]float64
	e        [][halves]float64
	f, wt    [][units]float64 // outer log ratio and weight per slot and group
	starts   []float64
	ref      float64                       // mean part energy of the current tiles
	fit      [][periodSlots][3]float64     // fit sum, its weights², Σ(weighted soft)²
	sv       [][periodSlots][units]float64 // weighted soft values per slot and period slot
}

// prepare fills w.cum with the prefix sums over frames of half-band
// energies for a scale and mode. In speed mode the band edges move with the
// pitch, to fractional bins: bin i is taken to cover [i, i+1).
func (w *window) prepare(scale float64, speed bool) {
	fm := 1.0
	if speed {
		fm = 1 / scale
	}
	if w.ready && w.fm == fm {
		return // tempo scales share the band edges
	}
	w.edges(fm)
	for f := 0; f < w.w1-w.w0; f++ {
		w.accumulate(f, &w.sp.pow[w.w0+f])
	}
}

// edges sets the parts' bin ranges for the band-edge factor fm and sizes
// the prefix sums for the window's frames, to be filled by accumulate.
func (w *window) edges(fm float64) {
	w.ready, w.fm = true, fm
	n := w.w1 - w.w0
	if cap(w.cum[0]) < n+1 {
		// One backing array for all parts' sums.
		b := make([]float64, 2*halves*(n+1))
		for h := range halves {
			w.cum[h] = b[2*h*(n+1) : (2*h+1)*(n+1) : (2*h+1)*(n+1)]
			w.cum2[h] = b[(2*h+1)*(n+1) : (2*h+2)*(n+1) : (2*h+2)*(n+1)]
		}
	}
	for b := 0; b < halves; b++ {
		x0 := float64(firstBin+b*halfBins) * fm
		x1 := float64(firstBin+(b+1)*halfBins) * fm
		w.lo[b], w.hi[b] = int(x0), min(int(x1), maxBin)
		w.lof[b], w.hif[b] = x0-float64(w.lo[b]), x1-float64(int(x1))
		if w.hi[b] != int(x1) {
			w.hif[b] = 0
		}
		w.cum[b] = w.cum[b][:n+1]
		w.cum2[b] = w.cum2[b][:n+1]
		w.cum[b][0], w.cum2[b][0] = 0, 0
	}
}

// accumulate adds frame f's (from the window's start) part energies,
// from its power spectrum row, to the prefix sums; frames go in order.
func (w *window) accumulate(f int, row *[maxBin + 1]float64) {
	for b := 0; b < halves; b++ {
		var p float64
		for i := w.lo[b]; i < w.hi[b]; i++ {
			p += row[i]
		}
		// E over [x0, x1) = bins lo..hi-1, minus the part of bin lo
		// below x0, plus the part of bin hi below x1.
		p += float64(w.hif[b]*row[w.hi[b]]) - float64(w.lof[b]*row[w.lo[b]])
		c, c2 := w.cum[b], w.cum2[b]
		c[f+1] = c[f] + p
		c2[f+1] = c2[f] + (c[f]+c[f+1])/2
	}
}

// tiles computes the half-band energies of the slots starting offset
// frames into the window with the given scale (after prepare); slot
// boundaries fall between frames, where the prefix sums are interpolated.
// It returns the slot count.
func (w *window) tiles(scale, offset float64) int {
	n := float64(w.w1 - w.w0)
	w.starts = w.starts[:0]
	for k := 0; ; k++ {
		s := offset + float64(float64(scale*framesPerSlot)*float64(k))
		if s > n {
			break
		}
		w.starts = append(w.starts, s)
	}
	K := len(w.starts) - 1
	if K < 1 {
		return 0
	}
	if cap(w.e) < K {
		w.e = make([][halves]float64, K)
	}
	w.e = w.e[:K]
	var tot float64
	// at is the integral from 0 to x (in frames) of the prefix sum c, with
	// c linear within a frame: frame f's energy is spread over [f, f+1).
	at := func(c, c2 []float64, x float64) float64 {
		i := int(x)
		if i >= len(c)-1 {
			return c2[len(c)-1] + float64((x-float64(len(c)-1))*c[len(c)-1])
		}
		fr := x - float64(i)
		return c2[i] + float64(fr*c[i]) + float64(float64(fr*fr)*(c[i+1]-c[i]))/2
	}
	T := float64(ramp * scale)
	for k := 0; k < K; k++ {
		// A trapezoid over the slot, rising over T frames at the start
		// and falling over T at the end: a slot shifted or stretched by a
		// frame then changes weights a little instead of taking in or
		// leaving out whole frames, whose energy in a narrow band varies
		// much (and whose neighbours can be tens of dB louder).
		a, z := w.starts[k], w.starts[k+1]
		for b := 0; b < halves; b++ {
			c, c2 := w.cum[b], w.cum2[b]
			v := (at(c, c2, z) - at(c, c2, z-T) - at(c, c2, a+T) + at(c, c2, a)) / T
			w.e[k][b] = v
			tot += v
		}
	}
	w.ref = tot / float64(K*halves)
	if cap(w.f) < K {
		w.f = make([][units]float64, K)
		w.wt = make([][units]float64, K)
	}
	w.f, w.wt = w.f[:K], w.wt[:K]
	for k := range w.e {
		for g := 0; g < units; g++ {
			w.f[k][g], w.wt[k][g] = outer(&w.e[k], g, w.ref)
		}
	}
	return K
}

// read calls fn with the soft value and weight of every unit of slot k
// read as period slot q.
func (w *window) read(k, q int, fn func(u *unit, s, wt float64)) {
	for g := range w.l.u[q] {
		if wt := w.wt[k][g]; wt > 0 {
			u := &w.l.u[q][g]
			fn(u, soft(u.position(float64(u.sign*w.f[k][g]))), wt)
		}
	}
}

// score returns the best phase's synchronisation statistic for the current
// tiles, the sum of two statistics that are about N(0,1) without a mark
// and uncorrelated, over √2:
//
//   - the lattice fit: the weighted sum of |soft| - 1/2 (0 on average
//     without a mark, since the lattice position is then uniform) over its
//     standard deviation;
//   - the agreement of repeats: the weighted sum, over every pair of reads
//     of the same unit in different periods, of the product of their soft
//     values (0 on average without a mark: independent, uniform on
//     [-1, 1]), over its standard deviation.
//
// The fit needs units close to their lattice points; coarse coding (MP3 at
// 64 kbit/s) spreads them until a read's |soft| says little, while its
// sign still says much (80-90% right): agreement is several times the
// stronger statistic there, and the fit the stronger one on short
// excerpts, which hold few repeats. Both are blind to the code's signs:
// flipping every read of one code bit changes neither (see the package's
// false-positive argument).
func (w *window) score() (float64, int) {
	K := len(w.e)
	if cap(w.fit) < K {
		w.fit = make([][periodSlots][3]float64, K)
		w.sv = make([][periodSlots][units]float64, K)
	}
	w.fit, w.sv = w.fit[:K], w.sv[:K]
	for k := 0; k < K; k++ {
		for q := 0; q < periodSlots; q++ {
			var s1, s2, s3 float64
			sv := &w.sv[k][q]
			for g := range w.l.u[q] {
				wt := w.wt[k][g]
				if wt == 0 {
					sv[g] = 0
					continue
				}
				u := &w.l.u[q][g]
				s := soft(u.position(float64(u.sign * w.f[k][g])))
				x := float64(wt * s)
				sv[g] = x
				s1 += float64(wt * (math.Abs(s) - 0.5))
				s2 += float64(wt * wt)
				s3 += float64(x * x)
			}
			w.fit[k][q] = [3]float64{s1, s2, s3}
		}
	}
	// Repeats: the slots k0, k0+16, ... (k0 < reps) read the same units.
	// The sum of the products of distinct pairs is (S² - Σx²)/2 with S =
	// Σx; a product of two independent soft values has variance 1/9 times
	// the weights squared, which do not depend on the phase.
	reps := max(0, min(periodSlots, K-periodSlots))
	var pv float64
	for k0 := 0; k0 < reps; k0++ {
		for g := 0; g < units; g++ {
			var W, W4 float64
			for k := k0; k < K; k += periodSlots {
				wt2 := float64(w.wt[k][g] * w.wt[k][g])
				W += wt2
				W4 += float64(wt2 * wt2)
			}
			pv += float64(W*W) - W4
		}
	}
	best, bp := math.Inf(-1), 0
	for ph := 0; ph < periodSlots; ph++ {
		var s1, s2 float64
		for k := 0; k < K; k++ {
			f := &w.fit[k][(k+ph)%periodSlots]
			s1 += f[0]
			s2 += f[1]
		}
		if s2 == 0 {
			continue
		}
		// |soft| is uniform on [0, 1] without a mark: variance 1/12.
		sc := s1 / math.Sqrt(s2/12)
		if pv > 0 {
			var pn float64
			for k0 := 0; k0 < reps; k0++ {
				q := (k0 + ph) % periodSlots
				var S [units]float64
				for k := k0; k < K; k += periodSlots {
					row := &w.sv[k][q]
					for g, x := range row {
						S[g] += x
					}
					pn -= w.fit[k][q][2]
				}
				for _, x := range S {
					pn += float64(x * x)
				}
			}
			// pn and pv are twice the sum and its variance times 9.
			sc = (sc + float64(pn/2)/math.Sqrt(float64(pv/2)/9)) / math.Sqrt2
		}
		if sc > best {
			best, bp = sc, ph
		}
	}
	return best, bp
}

// soft adds the weighted soft code bits of the current tiles under a phase
// to acc.
func (w *window) soft(phase int, acc []float64) {
	for k := range w.e {
		w.read(k, (k+phase)%periodSlots, func(u *unit, s, wt float64) {
			acc[u.bit] += float64(wt * s)
		})
	}
}

// apply prepares the tiles of an alignment.
func (w *window) apply(al alignment) {
	w.prepare(al.scale, al.speed)
	w.tiles(al.scale, al.offset)
}

// search returns the window's best alignments, best first: the best offset
// and phase for every scale and mode, with offsets searched coarsely; the
// best MaxCandidates are then refined to a quarter of a frame and half the
// scale step.
func (w *window) search() []alignment {
	var best []alignment
	for _, s := range scales {
		for _, speed := range []bool{false, true} {
			if speed && s == 1 {
				continue
			}
			w.prepare(s, speed)
			top := alignment{score: math.Inf(-1)}
			for o := 0; float64(o) < framesPerSlot; o += coarseStep {
				if w.tiles(s, float64(o)) < periodSlots/2 {
					continue
				}
				if sc, ph := w.score(); sc > top.score {
					top = alignment{score: sc, scale: s, speed: speed, offset: float64(o), phase: ph}
				}
			}
			if !math.IsInf(top.score, -1) {
				best = append(best, top)
			}
		}
	}
	sort.SliceStable(best, func(i, j int) bool { return best[i].score > best[j].score })
	for i := range best[:min(MaxCandidates, len(best))] {
		al := &best[i]
		c := *al
		for _, ds := range fineScales {
			s := c.scale + ds
			w.prepare(s, c.speed)
			for o := c.offset - coarseStep/2; o <= c.offset+coarseStep/2; o += fineStep {
				if (ds == 0 && o == c.offset) || o < 0 || w.tiles(s, o) < periodSlots/2 {
					continue
				}
				if sc, ph := w.score(); sc > al.score {
					al.score, al.scale, al.offset, al.phase = sc, s, o, ph
				}
			}
		}
	}
	sort.SliceStable(best, func(i, j int) bool { return best[i].score > best[j].score })
	return best
}

// untouched returns the alignment of a signal that kept the marked one's
// timing whole: scale 1, slots on multiples of 1/4 s from the signal's
// start and the period starting with it, unless one of cands already is
// it. Codecs and resamplers keep timing, and under the coarsest of them
// (MP3 at 64 kbit/s), or a mark weakened to a high SNR floor, this
// alignment can score below the best of the many wrong ones while still
// decoding: it costs one decode per window, and no choice.
func (w *window) untouched(cands []alignment) (alignment, bool) {
	k0 := math.Ceil(float64(w.w0) / framesPerSlot)
	al := alignment{scale: 1, offset: float64(k0*framesPerSlot) - float64(w.w0), phase: int(k0) % periodSlots}
	for _, c := range cands {
		if c.scale == 1 && !c.speed && c.offset == al.offset && c.phase == al.phase {
			return al, false
		}
	}
	w.prepare(1, false)
	if w.tiles(1, al.offset) < periodSlots/2 {
		return al, false
	}
	return al, true
}

// fineScales are the scale refinements tried around a candidate: drift
// over a 10-s window stays below 2.5 ms.
var fineScales = []float64{0, -0.00125, -0.000625, 0.000625, 0.00125}

// windows splits nf frames into detection windows.
func windows(nf int) [][2]int {
	if nf <= singleWindow {
		return [][2]int{{0, nf}}
	}
	var ws [][2]int
	for w0 := 0; ; w0 += windowHop {
		w1 := w0 + windowFrames
		if w1 >= nf {
			ws = append(ws, [2]int{max(0, nf-windowFrames), nf})
			break
		}
		ws = append(ws, [2]int{w0, w1})
	}
	return ws
}

// pick is a window and the alignment chosen in it.
type pick struct {
	w  *window
	al alignment
	ok bool // the alignment's soft values decoded
}

// scan searches every window: it decodes each window's best candidates and
// then the sum of every window's best soft values, and returns the result
// (Found, Payload, BitErrors, Confidence), the summed soft values and the
// alignment chosen per window.
func scan(samples [][]float32, rate int, key []byte) (Result, []float64, []pick) {
	sp := detectSpectrum(mono8(samples, rate))
	l := newLayout(key)
	res := Result{Confidence: 1, BitErrors: payload.Bits}
	decodes := 0
	var picks []pick
	total := make([]float64, payload.Bits) // windows that sync
	all := make([]float64, payload.Bits)   // every window
	decode := func(soft []float64) bool {
		id, be, ok := payload.Decode(soft)
		decodes++
		if ok && (!res.Found || be < res.BitErrors) {
			res.Found, res.Payload, res.BitErrors = true, id, be
		}
		return ok
	}
	for _, r := range windows(sp.frames) {
		w := &window{sp: sp, w0: r[0], w1: r[1], l: l}
		cands := w.search()
		if len(cands) == 0 {
			continue
		}
		chosen, ok := cands[0], false
		tried := cands[:min(MaxCandidates, len(cands))]
		if al, extra := w.untouched(tried); extra {
			tried = append(tried[:len(tried):len(tried)], al)
		}
		for i, al := range tried {
			w.apply(al)
			soft := make([]float64, payload.Bits)
			w.soft(al.phase, soft)
			if i == 0 {
				for j, v := range soft {
					all[j] += v
					if al.score >= minSync {
						total[j] += v
					}
				}
			}
			if decode(soft) {
				chosen, ok = al, true
				break
			}
		}
		picks = append(picks, pick{w, chosen, ok})
	}
	if !synced(total) {
		total = all
	}
	if len(picks) > 1 {
		decode(total)
	}
	if !res.Found {
		res.BitErrors = 0
		return res, total, picks
	}
	res.Confidence = min(1, float64(decodes)*payload.FalsePositive(res.BitErrors))
	return res, total, picks
}

// synced reports whether any window contributed to soft.
func synced(soft []float64) bool {
	for _, v := range soft {
		if v != 0 {
			return true
		}
	}
	return false
}

// Detect searches samples (planar channels of equal length) at rate Hz for
// a mark made with key. It returns ErrTooShort, ErrRate, ErrChannels or
// ErrNoKey for input it cannot search; unmarked or silent audio gives a
// Result with Found false and Confidence 1.
func Detect(samples [][]float32, rate int, key []byte) (Result, error) {
	if _, err := check(samples, rate, key); err != nil {
		return Result{Confidence: 1}, err
	}
	res, _, picks := scan(samples, rate, key)
	if !res.Found {
		return res, nil
	}

	// Localisation: per second, the weighted correlation of the units'
	// soft values with the payload's codeword, as a z-score (a soft value
	// is uniform on [-1, 1] without the mark: variance 1/3), read under the
	// alignment of the window that covers the second whose alignment
	// decoded (a window may decode under the untouched alignment, which
	// is not scored), else the best-synced one.
	code := payload.Encode(res.Payload)
	n := len(samples[0])
	secs := (n + rate - 1) / rate
	z := make([]float64, secs)
	best := make([]float64, secs)
	bestOK := make([]bool, secs)
	for i := range best {
		best[i] = math.Inf(-1)
	}
	for _, p := range picks {
		w, al := p.w, p.al
		w.apply(al)
		sw, w2 := make([]float64, secs), make([]float64, secs)
		for k := range w.e {
			mid := w.w0 + int((w.starts[k]+w.starts[k+1])/2)
			sec := mid * detectHop / rate8
			if sec >= secs {
				continue
			}
			w.read(k, (k+al.phase)%periodSlots, func(u *unit, s, wt float64) {
				if code[u.bit] == 0 {
					s = -s
				}
				sw[sec] += float64(wt * s)
				w2[sec] += float64(wt * wt)
			})
		}
		for sec := range sw {
			if w2[sec] > 0 && (p.ok && !bestOK[sec] || p.ok == bestOK[sec] && al.score > best[sec]) {
				best[sec], bestOK[sec] = al.score, p.ok
				z[sec] = sw[sec] / math.Sqrt(w2[sec]/3)
			}
		}
	}
	for sec := range z {
		if z[sec] < 3 {
			continue
		}
		if n := len(res.Segments); n > 0 && res.Segments[n-1].End == float64(sec) {
			res.Segments[n-1].End++
		} else {
			res.Segments = append(res.Segments, Segment{Start: float64(sec), End: float64(sec + 1)})
		}
	}
	return res, nil
}

// SoftBits returns the raw soft code bits read under each window's best
// alignment, summed (positive means 1), for measuring how much of the mark
// survives an attack; nil if the input cannot be searched.
func SoftBits(samples [][]float32, rate int, key []byte) []float64 {
	if _, err := check(samples, rate, key); err != nil {
		return nil
	}
	_, total, _ := scan(samples, rate, key)
	return total
}
