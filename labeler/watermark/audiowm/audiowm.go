// Package audiowm is aigclabel's invisible audio watermark: blind (detection
// needs no original), keyed, carrying the 64-bit watermark ID, and robust to
// lossy coding (MP3, AAC), resampling, volume changes, low-pass filtering,
// noise, cutting, and tempo or speed changes of a few percent.
//
// # Mark
//
// All marking happens on a mono, 8 kHz, band-limited image of the signal,
// so that the mark is the same whatever the file's rate and channels. That
// image is cut into tiles: time slots of 1/4 s and 36 frequency bands of
// 93.75 Hz between 375 Hz and 3750 Hz, a band that survives 64 kbit/s MP3,
// a 4 kHz low-pass and telephone-rate resampling. A period of 16 slots
// (4 s) holds 576 tiles; a keyed permutation makes 96 of them sync tiles and
// spreads the 282 code bits of package payload over the other 480. Every
// tile has a keyed sign (chip). The period repeats over the whole signal.
//
// A tile's feature is the log ratio of the energies of its lower and upper
// half-band, minus its mean over the five slots around it: held notes and
// stationary noise keep that ratio, so the host largely cancels, and any
// gain, equaliser or codec that treats 47 Hz neighbours alike leaves it. To
// mark a tile, Embed scales its lower half-band by 1+a and its upper by 1-a
// in a 64 ms STFT (a change of level that follows the signal, so the signal
// masks it), with a = chip × code bit × strength × a masking weight that
// grows where the tile is quiet against its neighbourhood (cheap in SNR,
// hidden by the louder neighbours). The strength is informed: Embed reads
// the host's own features, and a code bit whose tiles, summed over the whole
// signal, already lean its way gets little, one the host opposes gets what
// lifts it to a margin, and one that would cost too much is left to the
// error correction; sync tiles get the strength of an unopposed bit. The margin is the largest whose predicted cost meets
// the SNR floor (bisection); the difference is brought back to the file's
// rate with a windowed-sinc filter, scaled to the floor exactly, and added
// to every channel.
//
// # Detection
//
// Detect takes the 8 kHz mono image, a short-time spectrum every 8 ms, and
// half-band energies. For every time-scale factor between 0.975 and 1.025 in
// steps of 0.0025 (tempo or speed changes), with band edges either kept
// (tempo) or scaled too (speed), every slot offset (16 ms steps) and every
// phase within the period, the sync tiles' normalised correlation scores
// the alignment; the best MaxCandidates alignments are decoded by the
// Viterbi decoder of package payload. Signals up to 40 s are searched
// whole; longer ones in windows of 30 s every 15 s, so drift never
// accumulates. The seconds whose tiles agree with the found payload are
// reported as Segments.
//
// # Strength and limits
//
// The mark's cost is set as an SNR floor (Options.SNR, default DefaultSNR
// = 22 dB). At that strength the code's 282 bits need 10 to 30 s of audio,
// depending on how steady it is (speech and held notes are easy, fast
// changing notes hard). At 28 dB a decode needs about a minute, and at
// 32 dB, the level below which a change of this kind is safely inaudible,
// several minutes. Excerpts of 5 s do not carry enough of the code to
// decode at any of these strengths, though they still correlate with it.
//
// # False positives
//
// A payload is reported only when its CRC-24 matches and at most
// payload.MaxBitErrors of the 282 hard decisions disagree with its codeword,
// which an unmarked signal passes with probability at most
// payload.FalsePositive(MaxBitErrors) ≈ 3.2e-10 per decode (union bound
// over the 2^64 valid codewords). Detect makes at most MaxCandidates decodes
// per window, and a minute holds at most four windows, so the bound is
// 32 × 3.2e-10 ≈ 1e-8 per minute of audio. Result.Confidence is the number
// of decodes made times payload.FalsePositive(BitErrors).
//
// # Determinism
//
// Embed's output is bit-identical on every platform: it uses only +, -, *,
// /, math.Sqrt, its own logarithm, and tables built with math.Sin and
// math.Cos (pure Go on every port but s390x); products that feed sums are
// converted explicitly so that no compiler fuses them.
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
	bands          = 36
	firstBin       = 24 // 375 Hz
	binsPerBand    = 6  // 93.75 Hz
	tilesPerPeriod = periodSlots * bands
	halves         = 2 * bands // half-bands, 3 bins each
	syncTiles      = 96
	// framesPerSlot is the detection STFT frames per slot (250 ms / 8 ms).
	framesPerSlot = float64(rate8) / detectHop / slotsPerSecond
)

// DefaultSNR is the default minimum SNR of the marked signal against the
// original, in dB.
const DefaultSNR = 22.0

// MinDuration is the shortest signal, in seconds, that Embed marks and
// Detect searches.
const MinDuration = 2.0

// MaxCandidates bounds the payload decodes per 8-second detection window.
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
	// BitErrors is the number of code bits (of 282) corrected in the best
	// window.
	BitErrors int `json:"bitErrors"`
	// Segments are the seconds that carry the found payload, merged into
	// runs; empty when nothing was found.
	Segments []Segment `json:"segments,omitempty"`
}

// layout is the keyed arrangement of one period's tiles.
type layout struct {
	chip [tilesPerPeriod]float64 // ±1
	bit  [tilesPerPeriod]int     // code bit index, or -1 for a sync tile
}

func newLayout(key []byte) *layout {
	l := &layout{}
	s := payload.Keystream(key, "aigclabel audiowm v1 layout")
	perm := s.Perm(tilesPerPeriod)
	for i, t := range perm {
		if i < syncTiles {
			l.bit[t] = -1
		} else {
			l.bit[t] = (i - syncTiles) % payload.Bits
		}
	}
	cs := payload.Keystream(key, "aigclabel audiowm v1 chips")
	var b [tilesPerPeriod / 8]byte
	cs.Read(b[:])
	for t := range l.chip {
		l.chip[t] = 1
		if b[t/8]>>(t%8)&1 == 1 {
			l.chip[t] = -1
		}
	}
	return l
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

// mono8 returns the channels' mean resampled to rate8.
func mono8(samples [][]float32, rate int) []float64 {
	n := len(samples[0])
	m := make([]float64, n)
	inv := 1 / float64(len(samples))
	for _, c := range samples {
		for i, v := range c {
			m[i] += float64(v)
		}
	}
	if len(samples) > 1 {
		for i := range m {
			m[i] *= inv
		}
	}
	n8 := int(int64(n) * rate8 / int64(rate))
	return resample(m, rate, rate8, cutoff8, n8)
}

// features turns the half-band energies e[slot][2·band+half] of tiles
// into their features: the log ratio of the lower to the upper half-band
// (with ln, not math.Log, so Embed can use it and stay bit-identical
// everywhere) minus its mean over the five slots around it, clipped to ±1. Steady sounds (held
// notes, stationary noise) keep the ratio, so subtracting its local mean
// removes most of the host and leaves the mark. Tiles with a silent half
// give 0 (no information).
func features(e [][halves]float64, d [][bands]float64) {
	r := make([]float64, len(e))
	ok := make([]bool, len(e))
	for b := 0; b < bands; b++ {
		for k := range e {
			lo, hi := e[k][2*b], e[k][2*b+1]
			ok[k] = lo > 1e-12 && hi > 1e-12
			if ok[k] {
				r[k] = ln(lo) - ln(hi)
			}
		}
		for k := range e {
			d[k][b] = 0
			if !ok[k] {
				continue
			}
			var s float64
			n := 0
			for j := max(k-2, 0); j < min(k+3, len(e)); j++ {
				if ok[j] {
					s += r[j]
					n++
				}
			}
			d[k][b] = max(-1, min(1, r[k]-s/float64(n)))
		}
	}
}

// ln is the natural logarithm of x > 0 to about 1e-12, from + - * / only
// (math.Log has assembly on some ports that may differ in the last bit).
func ln(x float64) float64 {
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
