// Package audiowm is aigclabel's invisible audio watermark: blind (detection
// needs no original), keyed, carrying the 64-bit watermark ID, readable from
// any 5-second excerpt, and robust to lossy coding, resampling, volume
// changes, low-pass filtering, noise, cutting, and tempo changes of a few
// percent.
//
// # Mark
//
// All marking happens on a mono, 8 kHz, band-limited image of the signal,
// so that the mark is the same whatever the file's rate and channels. That
// image is cut into time slots of 1/4 s and 72 parts of 46.9 Hz (3 bins of
// a 64 ms STFT) between 375 Hz and 3750 Hz, a band that survives MP3, a
// 4 kHz low-pass and telephone-rate resampling. Every four adjacent parts
// form a unit, 18 per slot: its feature is the log ratio of the energies of
// its outer and inner pairs, ln(E_A/E_B), with A the outer pair or the inner
// one by a keyed choice. A and B have the same centre, so any gain, spectral
// tilt, equaliser or low-pass leaves the feature.
//
// The 282 code bits of package payload (6 of them twice) fill the 16 × 18
// units of a period of 16 slots (4 s), in a keyed order; the period repeats
// over the whole signal, so any 5 seconds hold every unit at least once.
//
// A unit carries its bit by quantisation (dither modulation, QIM): its
// feature is moved to the nearest point of the lattice step·m + dither +
// bit·step/2, with a keyed dither per unit. Unlike spread spectrum, this
// cancels the host: a unit reads right whatever the music does, and the
// cost is set by the step alone (on average step²/48 of the unit's energy at
// most), not by how much the host disagrees. The step grows with the unit's
// frequency, from Step (0.5 nat) in the lowest group to TopStep (1.4) in the
// highest: what a mark costs lies mostly in the low groups (speech formants,
// music's fundamentals), so large steps in the upper groups, where they are
// cheap, buy robustness at little cost (measured under MP3 at 64 kbit/s on
// the corpus music: units above 1.5 kHz read 80-93% right, the two lowest
// groups 62-77%). The change is a level change of parts by at most
// step/2 nat in energy, split so that the side with less energy moves most
// (which minimises the change's energy), within the signal's own spectrum,
// where the signal masks it.
// Embed makes it by scaling parts of a 64 ms STFT, measures the result with
// the detector's own analysis and corrects twice (a window that straddles
// slots or parts dilutes a change), brings the difference back to the
// file's rate with a windowed-sinc filter and adds it to every channel.
//
// # Detection
//
// Detect takes the 8 kHz mono image, a short-time spectrum every 8 ms, and
// part energies, each slot weighted by a trapezoid that rises and falls
// over 64 ms (so that a slot shifted by a fraction of a frame changes
// weights a little rather than taking in or leaving out whole frames). For
// every time-scale factor between 0.975 and 1.025 in steps of 0.0025, with
// part edges either kept (tempo) or scaled too (speed, to fractional bins),
// every slot offset (8 ms steps) and every phase within the period, two
// statistics score the alignment: the fit of all units to their lattices
// (a marked unit sits on a lattice point, an unmarked or misaligned one
// anywhere, so the mark is its own sync pattern) and the agreement of the
// repeats of each unit in successive periods (the products of their soft
// values). Under coarse coding the fit weakens first: measured under MP3
// at 64 kbit/s on the corpus music with six keys, units still read 79-89%
// right at the true alignment, but the fit scored it 1.7-6.9 against 4-5
// for the best wrong ones; fit and agreement together score it 4.1-12.2.
// The best MaxCandidates alignments of a window are refined (2 ms, scale
// ±0.00125) and decoded by the Viterbi decoder of package payload, and so
// is the untouched alignment (scale 1, slots and period from the signal's
// start) when it is not among them, since codecs and resamplers keep
// timing: the agreement of repeats finds slots but barely tells phases
// apart (a wrong phase reads every repeat of a unit at the same wrong
// place, so they agree too). Measured on marks weakened to SNR floors of
// 34-36 dB (two keys), the best-scored alignment of the two 10-s clips was
// wrong in 6 of 8 cases, once the right slots with a wrong phase, while
// the untouched alignment read 85-97% of the code bits right. Soft values
// are weighted by
// each unit's energy and summed over repeated periods. Signals up to 12 s
// are searched whole; longer ones in windows of 10 s every 5 s, so drift
// never accumulates, and the soft values of the windows that sync are
// summed for one more decode. Result.Segments are the seconds whose units
// correlate with the found payload's codeword (z-score >= 3 under the
// alignment of a window that decoded, else of the best-synced one).
//
// # Strength and limits
//
// Options.SNR is a floor (default DefaultSNR = 32 dB), met as a budget:
// Embed predicts each unit's cost and, when the whole mark would cost more
// than the floor allows, caps the dearest units' moves (moving them at
// least half of the way, so that unattacked they read right or at worst
// as an erasure) and moves every other unit all the way. A mark's cost concentrates in a few
// loud units, so this keeps most units on their lattice points where a
// uniform weakening would leave all of them short (and a weakened unit
// reads wrong under far smaller attacks). If the prediction falls short,
// the whole difference is scaled down at the end. The features are narrow
// (3 bins, 1/4 s), so what moves energy between neighbouring parts or
// slots reads as noise: coarse coding (MP3 at 64 kbit/s fills or empties
// whole parts), a pitch shift (speed change) that is not a whole number of
// bins, a limiter's fast gain changes. MP3 at 64 kbit/s on music is the
// attack closest to failing: 14-38 of the 282 code bits wrong on the
// corpus music across twelve keys, against the decoder's limit of 50.
//
// # False positives
//
// A payload is reported only when its CRC-24 matches and at most
// payload.MaxBitErrors of the 282 hard decisions disagree with its codeword,
// which an unmarked signal passes with probability at most
// payload.FalsePositive(MaxBitErrors) ≈ 3.2e-10 per decode (union bound
// over the 2^64 valid codewords; an unmarked unit's place in its lattice
// cell is uniform, so its sign is a fair coin). Every choice the detector
// makes before decoding (alignments, phases, which windows join the sum)
// rests on statistics that flipping every read of one code bit leaves
// unchanged (|soft|, products of reads of the same unit) or is fixed in
// advance (the untouched alignment), so the signs that reach the decoder
// stay fair coins. Detect makes at most MaxCandidates + 1 decodes per
// window (the best candidates and the untouched alignment) plus one for
// the sum; a minute holds at most 12 windows, so the bound is 109 ×
// 3.2e-10 ≈ 3.5e-8 per minute of audio (the target is 1e-6).
// Result.Confidence is the number of decodes made times
// payload.FalsePositive(BitErrors).
//
// # Determinism
//
// Embed's output is bit-identical on every platform: it uses only +, -, *,
// /, math.Sqrt, math.Floor, its own logarithm (a table built with + - * /)
// and exponential, and tables built with math.Sin and math.Cos (pure Go on
// every port but s390x); products that feed sums are converted explicitly
// so that no compiler fuses them.
package audiowm

import (
	"errors"
	"math"

	"github.com/aigclabel/aigclabel/labeler/watermark/payload"
)

// DevKey is the public development key (payload.DevKey), for tests only.
var DevKey = payload.DevKey

// Geometry of the mark; see the package documentation.
const (
	rate8          = 8000 // the rate of the marking domain
	cutoff8        = 3800 // its band limit, Hz
	fftN           = 512  // STFT size at rate8 (64 ms, 15.625 Hz bins)
	embedHop       = 128  // STFT hop when embedding (16 ms)
	detectHop      = 64   // STFT hop when detecting (8 ms)
	slotsPerSecond = 4
	periodSlots    = 16
	firstBin       = 24 // 375 Hz
	halfBins       = 3  // bins per part (46.9 Hz)
	halves         = 72 // parts
	units          = halves / 4
	unitsPerPeriod = periodSlots * units
	// framesPerSlot is the detection STFT frames per slot (250 ms / 8 ms).
	framesPerSlot = float64(rate8) / detectHop / slotsPerSecond
)

// Step is the quantisation step (nat) of the features of the lowest group
// of units (375-562 Hz); the step grows linearly with the group to TopStep
// in the highest (3562-3750 Hz). A unit's bit reads right while attacks
// move its feature by less than a quarter of its step.
const Step = 0.5

// TopStep is the quantisation step (nat) of the highest group of units.
// Measured on the corpus (bench/robustness): a uniform step of 0.55 lets
// MP3 at 64 kbit/s move a music unit's feature by 0.15 nat rms, more than
// a quarter step, and no single step both survives that and fits the SNR
// floor on speech; growing steps with frequency does.
const TopStep = 1.4

// stepOf returns the quantisation step of unit group g (0 = lowest).
func stepOf(g int) float64 {
	return Step + (TopStep-Step)*float64(g)/float64(units-1)
}

// DefaultSNR is the default minimum SNR of the marked signal against the
// original, in dB.
const DefaultSNR = 32.0

// MinDuration is the shortest signal, in seconds, that Embed marks and
// Detect searches.
const MinDuration = 2.0

// MaxCandidates bounds the searched alignments decoded per detection
// window; the untouched alignment (scale 1) may be decoded as well.
const MaxCandidates = 8

// Rates outside [MinRate, MaxRate] Hz are refused.
const (
	MinRate = 8000
	MaxRate = 192000
)

// Errors for signals that cannot carry or be searched for a mark.
var (
	// ErrTooShort: the signal is shorter than MinDuration.
	ErrTooShort = errors.New("audiowm: audio too short to carry a watermark")
	// ErrSilent: the signal has too little energy between 375 Hz and
	// 3.75 kHz to carry a mark (silence, or only very low or high tones).
	ErrSilent = errors.New("audiowm: audio too quiet in the 375-3750 Hz band to carry a watermark")
	// ErrRate: the sample rate is outside [MinRate, MaxRate].
	ErrRate = errors.New("audiowm: unsupported sample rate")
	// ErrChannels: no channels, or channels of different lengths.
	ErrChannels = errors.New("audiowm: no channels or channels of unequal length")
	// ErrNoKey: the key is empty.
	ErrNoKey = errors.New("audiowm: empty watermark key")
)

// Options tunes Embed. The zero value means the defaults.
type Options struct {
	// SNR is the minimum SNR of the marked signal against the original,
	// in dB; 0 means DefaultSNR. The mark is weakened, never strengthened,
	// to meet it.
	SNR float64
}

// Segment is a stretch of the searched signal that carries the mark.
type Segment struct {
	// Start and End are in seconds from the start of the signal, at
	// 1-second resolution.
	Start float64 `json:"start"`
	End   float64 `json:"end"`
}

// Result is what Detect reports.
type Result struct {
	// Found reports a valid payload.
	Found bool `json:"found"`
	// Payload is the watermark ID when Found.
	Payload uint64 `json:"payload"`
	// Confidence is the probability that unmarked audio would give a
	// payload this good (a false-positive probability; lower is surer).
	// It is 1 when nothing was found.
	Confidence float64 `json:"confidence"`
	// BitErrors is the number of code bits (of 282) corrected in the
	// decode that found the payload.
	BitErrors int `json:"bitErrors"`
	// Segments are the seconds that carry the found payload, merged into
	// runs; empty when nothing was found.
	Segments []Segment `json:"segments,omitempty"`
}

// unit is one quantised feature of a period: the half-bands summed on its
// A and B sides, its code bit and its dither.
type unit struct {
	a, b   [2]uint8
	sign   float64 // +1 when A is the outer pair of parts, -1 when the inner
	bit    int
	dither float64 // in [0, step)
	step   float64 // the lattice's step, stepOf(group)
	inv    float64 // 1/step
}

// layout is the keyed arrangement of one period's units.
type layout struct {
	u [periodSlots][units]unit
}

func newLayout(key []byte) *layout {
	l := &layout{}
	bits := payload.Keystream(key, "aigclabel audiowm v2 bits").Perm(unitsPerPeriod)
	ks := payload.Keystream(key, "aigclabel audiowm v2 units")
	for q := range l.u {
		for g := range l.u[q] {
			u := &l.u[q][g]
			// Four adjacent half-bands as A B B A or B A A B: A and B
			// have the same centre, so a spectral tilt (a low-pass, an
			// equaliser) leaves the feature.
			h := uint8(4 * g)
			var b [3]byte
			ks.Read(b[:])
			u.a, u.b, u.sign = [2]uint8{h, h + 3}, [2]uint8{h + 1, h + 2}, 1
			if b[0]&1 == 1 {
				u.a, u.b, u.sign = u.b, u.a, -1
			}
			u.bit = bits[q*units+g] % payload.Bits
			u.step = stepOf(g)
			u.inv = 1 / u.step
			u.dither = u.step * float64(uint16(b[1])<<8|uint16(b[2])) / 65536
		}
	}
	return l
}

// sides returns a unit's A and B energies from a slot's part energies.
func (u *unit) sides(e *[halves]float64) (float64, float64) {
	return e[u.a[0]] + e[u.a[1]], e[u.b[0]] + e[u.b[1]]
}

// outer returns the log ratio of the outer to the inner pair of parts of
// unit group g (ln(E_A/E_B) times the unit's sign) and its weight.
func outer(e *[halves]float64, g int, ref float64) (float64, float64) {
	h := 4 * g
	ea, eb := e[h]+e[h+3], e[h+1]+e[h+2]
	wt := weight(ea, eb, ref)
	if wt == 0 {
		return 0, 0
	}
	return ln(ea / eb), wt
}

// frac returns x - floor(x).
func frac(x float64) float64 { return x - math.Floor(x) }

// position returns where feature f lies in the unit's lattice cell for bit 0,
// in [0, 1): 0 is a bit-0 point, 0.5 a bit-1 point.
func (u *unit) position(f float64) float64 { return frac(float64((f - u.dither) * u.inv)) }

// soft maps a lattice position to a soft bit in [-1, 1]: +1 on a bit-1
// point, -1 on a bit-0 point, 0 halfway.
func soft(y float64) float64 { return 1 - 4*math.Abs(y-0.5) }

// weight is a unit's reliability from its side energies, relative to the
// mean part energy ref: near 1 for a unit of typical level, near 0
// when either side is far quieter (noise or a codec rewrites it).
func weight(ea, eb, ref float64) float64 {
	if ea <= 0 || eb <= 0 || ref <= 0 {
		return 0
	}
	hm := ea * eb / (ea + eb)
	return hm / (hm + 0.05*ref)
}

// check validates the signal's shape common to Embed and Detect and
// returns its frame count.
func check(samples [][]float32, rate int, key []byte) (int, error) {
	if len(key) == 0 {
		return 0, ErrNoKey
	}
	if rate < MinRate || rate > MaxRate {
		return 0, ErrRate
	}
	if len(samples) == 0 {
		return 0, ErrChannels
	}
	n := len(samples[0])
	for _, c := range samples {
		if len(c) != n {
			return 0, ErrChannels
		}
	}
	if float64(n) < MinDuration*float64(rate) {
		return 0, ErrTooShort
	}
	return n, nil
}

// mono8 returns the channels' mean resampled to rate8. The mixdown is
// made a block of output at a time, just before the resampler reads it, so
// the full-rate mono signal is never held whole.
func mono8(samples [][]float32, rate int) []float64 {
	n := len(samples[0])
	n8 := int(int64(n) * rate8 / int64(rate))
	y := make([]float64, n8)
	if rate == rate8 {
		mixdown(y, samples, 0)
		return y
	}
	r := newResampler(rate, rate8, cutoff8, n8)
	block := r.block(2048) // output samples: the input block stays in cache
	var buf []float64
	for m0 := 0; m0 < n8; m0 += block {
		m1 := min(m0+block, n8)
		lo, hi := r.span(m0, m1, n)
		if cap(buf) < hi-lo {
			buf = make([]float64, hi-lo, 2*(hi-lo))
		}
		buf = buf[:hi-lo]
		mixdown(buf, samples, lo)
		r.run(y[m0:m1], m0, buf, lo, n)
	}
	return y
}

// mixdown sets dst to the channels' mean from sample off on.
func mixdown(dst []float64, samples [][]float32, off int) {
	clear(dst)
	for _, c := range samples {
		c = c[off : off+len(dst)]
		for i, v := range c {
			dst[i] += float64(v)
		}
	}
	if len(samples) > 1 {
		inv := 1 / float64(len(samples))
		for i := range dst {
			dst[i] *= inv
		}
	}
}

// lnSeries is the natural logarithm of x > 0 to about 1e-12, from + - * /
// only (math.Log has assembly on some ports that may differ in the last
// bit); it builds lnTable.
func lnSeries(x float64) float64 {
	m, e := math.Frexp(x) // x = m·2^e, m in [0.5, 1)
	if m < math.Sqrt2/2 {
		m *= 2
		e--
	}
	s := (m - 1) / (m + 1) // |s| < 0.172
	s2 := float64(s * s)
	// ln m = 2·atanh(s) = 2(s + s³/3 + s⁵/5 + ...)
	t, sum := s, 0.0
	for k := 1; k <= 23; k += 2 {
		sum += t / float64(k)
		t = float64(t * s2)
	}
	return float64(2*sum) + float64(float64(e)*math.Ln2)
}

// lnBits is the number of mantissa bits that index lnTable.
const lnBits = 10

// lnTable holds ln(1 + i/2^lnBits) for i = 0..2^lnBits.
var lnTable = func() []float64 {
	t := make([]float64, 1<<lnBits+1)
	for i := range t {
		t[i] = lnSeries(1 + float64(i)/(1<<lnBits))
	}
	return t
}()

// ln is the natural logarithm of a positive normal x to about 2e-7 (the
// features need far less), by table and linear interpolation: the same on
// every platform, and cheap enough for the detector's search.
func ln(x float64) float64 {
	b := math.Float64bits(x)
	e := int(b>>52&0x7ff) - 1023
	const shift = 52 - lnBits
	i := b >> shift & (1<<lnBits - 1)
	fr := float64(b&(1<<shift-1)) * (1.0 / (1 << shift))
	lo := lnTable[i]
	return lo + float64(fr*(lnTable[i+1]-lo)) + float64(float64(e)*math.Ln2)
}

// exp is e^x for |x| <= 2 to about 1e-15, from + - * / only.
func exp(x float64) float64 {
	// e^x = (e^(x/8))^8; the series converges fast for |x/8| <= 1/4.
	y := x / 8
	t, sum := 1.0, 1.0
	for k := 1; k <= 14; k++ {
		t = float64(t*y) / float64(k)
		sum += t
	}
	sum = float64(sum * sum)
	sum = float64(sum * sum)
	return float64(sum * sum)
}
