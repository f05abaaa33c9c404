package audiowm

import (
	"math"
	"sort"

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

// Detection windows, in detection frames (8 ms).
const (
	windowFrames = 3750 // 30 s
	windowHop    = 1875 // 15 s
	singleWindow = 5000 // signals up to 40 s are searched whole
	offsetStep   = 2    // slot offsets searched, in frames
	maxBin       = 250  // highest bin a scaled band reaches
)

// alignment is one hypothesis about where the slots are.
type alignment struct {
	score  float64 // sync correlation, about N(0,1) without a mark
	scale  int     // index into scales
	speed  bool    // band edges scaled too
	offset int     // first slot's start, frames after the window start
	phase  int     // period slot of the first slot
}

// spectrum is the detection STFT's power in bins 0..maxBin.
type spectrum struct {
	frames int
	pow    [][maxBin]float64
}

func detectSpectrum(x8 []float64) *spectrum {
	tf := newFFT(fftN)
	win := hann(fftN)
	nf := len(x8)/detectHop + 1
	sp := &spectrum{frames: nf, pow: make([][maxBin]float64, nf)}
	re, im := make([]float64, fftN), make([]float64, fftN)
	for f := 0; f < nf; f++ {
		start := f*detectHop - fftN/2
		for i := range re {
			j := start + i
			v := 0.0
			if j >= 0 && j < len(x8) {
				v = x8[j] * win[i]
			}
			re[i], im[i] = v, 0
		}
		tf.transform(re, im, false)
		for i := range sp.pow[f] {
			sp.pow[f][i] = re[i]*re[i] + im[i]*im[i]
		}
	}
	return sp
}

// window is the search state of one detection window.
type window struct {
	sp     *spectrum
	w0, w1 int // frames
	l      *layout
	cum    [halves][]float64
	e      [][halves]float64
	d      [][bands]float64
	starts []int
}

// prepare fills w.cum with the prefix sums of band energies for a scale
// and mode.
func (w *window) prepare(scale float64, speed bool) {
	fm := 1.0
	if speed {
		fm = 1 / scale
	}
	n := w.w1 - w.w0
	const hb = binsPerBand / 2
	for b := 0; b < halves; b++ {
		lo := int(math.Round(float64(firstBin+b*hb) * fm))
		hi := int(math.Round(float64(firstBin+(b+1)*hb) * fm))
		hi = min(hi, maxBin)
		if cap(w.cum[b]) < n+1 {
			w.cum[b] = make([]float64, n+1)
		}
		c := w.cum[b][:n+1]
		c[0] = 0
		for f := 0; f < n; f++ {
			var p float64
			row := &w.sp.pow[w.w0+f]
			for i := lo; i < hi; i++ {
				p += row[i]
			}
			c[f+1] = c[f] + p
		}
		w.cum[b] = c
	}
}

// tiles computes the features of the slots starting offset frames into the
// window with the given scale (after prepare); it returns the slot count.
func (w *window) tiles(scale float64, offset int) int {
	n := w.w1 - w.w0
	w.starts = w.starts[:0]
	for k := 0; ; k++ {
		s := offset + int(math.Round(scale*framesPerSlot*float64(k)))
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
		w.d = make([][bands]float64, K)
	}
	w.e, w.d = w.e[:K], w.d[:K]
	for k := 0; k < K; k++ {
		a, z := w.starts[k], w.starts[k+1]
		for b := 0; b < halves; b++ {
			w.e[k][b] = w.cum[b][z] - w.cum[b][a]
		}
	}
	features(w.e, w.d)
	return K
}

// syncScore is the normalised correlation of the sync tiles for a phase.
func (w *window) syncScore(phase int) float64 {
	var s, q float64
	for k := range w.d {
		row := (k + phase) % periodSlots * bands
		for b, v := range w.d[k] {
			if w.l.bit[row+b] < 0 {
				s += w.l.chip[row+b] * v
				q += v * v
			}
		}
	}
	if q == 0 {
		return 0
	}
	return s / math.Sqrt(q)
}

// soft returns the soft code bits for the current tiles and a phase.
func (w *window) soft(phase int) []float64 {
	soft := make([]float64, payload.Bits)
	for k := range w.d {
		row := (k + phase) % periodSlots * bands
		for b, v := range w.d[k] {
			if j := w.l.bit[row+b]; j >= 0 {
				soft[j] += w.l.chip[row+b] * v
			}
		}
	}
	return soft
}

// search returns the window's best alignments, best first: the best offset
// and phase for every scale and mode.
func (w *window) search() []alignment {
	var best []alignment
	for si, s := range scales {
		for _, speed := range []bool{false, true} {
			if speed && s == 1 {
				continue
			}
			w.prepare(s, speed)
			top := alignment{score: math.Inf(-1)}
			for o := 0; float64(o) < framesPerSlot; o += offsetStep {
				if w.tiles(s, o) < periodSlots/2 {
					continue
				}
				for ph := 0; ph < periodSlots; ph++ {
					if sc := w.syncScore(ph); sc > top.score {
						top = alignment{score: sc, scale: si, speed: speed, offset: o, phase: ph}
					}
				}
			}
			if !math.IsInf(top.score, -1) {
				best = append(best, top)
			}
		}
	}
	sort.SliceStable(best, func(i, j int) bool { return best[i].score > best[j].score })
	return best
}

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

// Detect searches samples (planar channels of equal length) at rate Hz for
// a mark made with key. It returns ErrTooShort, ErrRate, ErrChannels or
// ErrNoKey for input it cannot search; unmarked or silent audio gives a
// Result with Found false and Confidence 1.
func Detect(samples [][]float32, rate int, key []byte) (Result, error) {
	if _, err := check(samples, rate, key); err != nil {
		return Result{Confidence: 1}, err
	}
	sp := detectSpectrum(mono8(samples, rate))
	l := newLayout(key)
	res := Result{Confidence: 1, BitErrors: payload.Bits}
	decodes := 0
	type pick struct {
		w  *window
		al alignment
	}
	var picks []pick
	for _, r := range windows(sp.frames) {
		w := &window{sp: sp, w0: r[0], w1: r[1], l: l}
		cands := w.search()
		if len(cands) == 0 {
			continue
		}
		chosen := cands[0]
		for _, al := range cands[:min(MaxCandidates, len(cands))] {
			w.prepare(scales[al.scale], al.speed)
			w.tiles(scales[al.scale], al.offset)
			id, be, ok := payload.Decode(w.soft(al.phase))
			decodes++
			if !ok {
				continue
			}
			chosen = al
			if !res.Found || be < res.BitErrors {
				res.Found, res.Payload, res.BitErrors = true, id, be
			}
			break
		}
		picks = append(picks, pick{w, chosen})
	}
	if !res.Found {
		res.BitErrors = 0
		return res, nil
	}
	res.Confidence = min(1, float64(decodes)*payload.FalsePositive(res.BitErrors))

	// Localisation: per second, the share of data tiles whose sign agrees
	// with the payload's codeword under each window's alignment.
	code := payload.Encode(res.Payload)
	secs := int(float64(sp.frames)*detectHop/rate8) + 1
	agree, total := make([]int, secs), make([]int, secs)
	for _, p := range picks {
		w, al := p.w, p.al
		s := scales[al.scale]
		w.prepare(s, al.speed)
		w.tiles(s, al.offset)
		for k := range w.d {
			mid := w.w0 + (w.starts[k]+w.starts[k+1])/2
			sec := mid * detectHop / rate8
			if sec >= secs {
				continue
			}
			row := (k + al.phase) % periodSlots * bands
			for b, v := range w.d[k] {
				j := w.l.bit[row+b]
				if j < 0 || v == 0 {
					continue
				}
				want := w.l.chip[row+b]
				if code[j] == 0 {
					want = -want
				}
				total[sec]++
				if want*v > 0 {
					agree[sec]++
				}
			}
		}
	}
	for sec := range total {
		if total[sec] < 32 || float64(agree[sec]) < 0.62*float64(total[sec]) {
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

// SoftBits returns the raw soft code bits read under the best alignment of
// the best window (positive means 1), for measuring how much of the mark
// survives an attack; nil if the input cannot be searched.
func SoftBits(samples [][]float32, rate int, key []byte) []float64 {
	if _, err := check(samples, rate, key); err != nil {
		return nil
	}
	sp := detectSpectrum(mono8(samples, rate))
	l := newLayout(key)
	var soft []float64
	bestScore := math.Inf(-1)
	for _, r := range windows(sp.frames) {
		w := &window{sp: sp, w0: r[0], w1: r[1], l: l}
		cands := w.search()
		if len(cands) == 0 || cands[0].score <= bestScore {
			continue
		}
		al := cands[0]
		bestScore = al.score
		w.prepare(scales[al.scale], al.speed)
		w.tiles(scales[al.scale], al.offset)
		soft = w.soft(al.phase)
	}
	return soft
}
