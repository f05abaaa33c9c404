package audiowm

import (
	"math"

	"github.com/aigclabel/aigclabel/labeler/watermark/payload"
)

// Embedding strength, in units of the tile feature (relative energy).
const (
	syncShare = 1.0 // sync tiles' strength relative to an unopposed bit's
	giveUp    = 1.0 // a strength above giveUp·M is not spent
	maxS      = 0.4 // strongest strength (gain deviation) of a bit or sync tile
	maxBoost  = 10  // largest boost of a quiet tile
	maxA      = 0.5 // largest gain deviation
)

// stft holds the marked band of an STFT at rate8.
type stft struct {
	frames int
	re, im [][]float64 // [frame][bin-firstBin]
}

// bandBins is the number of bins carrying the mark.
const bandBins = bands * binsPerBand

// analyse computes the band's STFT of x with hop, Hann-windowed frames
// centred on multiples of hop.
func analyse(x []float64, hop int, tf *fft, win []float64) *stft {
	nf := len(x)/hop + 1
	s := &stft{frames: nf, re: make([][]float64, nf), im: make([][]float64, nf)}
	re, im := make([]float64, fftN), make([]float64, fftN)
	backing := make([]float64, 2*nf*bandBins)
	for f := 0; f < nf; f++ {
		start := f*hop - fftN/2
		for i := range re {
			j := start + i
			v := 0.0
			if j >= 0 && j < len(x) {
				v = float64(x[j] * win[i])
			}
			re[i], im[i] = v, 0
		}
		tf.transform(re, im, false)
		s.re[f] = backing[2*f*bandBins : (2*f+1)*bandBins]
		s.im[f] = backing[(2*f+1)*bandBins : (2*f+2)*bandBins]
		copy(s.re[f], re[firstBin:firstBin+bandBins])
		copy(s.im[f], im[firstBin:firstBin+bandBins])
	}
	return s
}

// Embed marks samples (planar channels, all the same length, in [-1, 1))
// in place with id under key; rate is in Hz. It returns ErrTooShort,
// ErrSilent, ErrRate, ErrChannels or ErrNoKey, leaving samples untouched,
// when the signal cannot carry a mark.
func Embed(samples [][]float32, rate int, id uint64, key []byte, opts Options) error {
	n, err := check(samples, rate, key)
	if err != nil {
		return err
	}
	snr := opts.SNR
	if snr == 0 {
		snr = DefaultSNR
	}
	x8 := mono8(samples, rate)
	tf := newFFT(fftN)
	win := hann(fftN)
	s := analyse(x8, embedHop, tf, win)

	// Tile energies; frame f is centred at f*embedHop samples.
	slotOf := func(f int) int { return f * embedHop * slotsPerSecond / rate8 }
	nSlots := slotOf(s.frames-1) + 1
	e := make([][bands]float64, nSlots)
	var total float64
	for f := 0; f < s.frames; f++ {
		k := slotOf(f)
		for b := 0; b < bands; b++ {
			var p float64
			for i := b * binsPerBand; i < (b+1)*binsPerBand; i++ {
				p += float64(s.re[f][i]*s.re[f][i]) + float64(s.im[f][i]*s.im[f][i])
			}
			e[k][b] += p
		}
	}
	for k := range e {
		for b := range e[k] {
			total += e[k][b]
		}
	}
	// Mean in-band power per sample (the Hann window's energy is 3N/8 and
	// the positive half of the spectrum holds half of it, times N for the
	// unnormalised transform): below -80 dBFS, or 60 dB below the whole
	// signal (a hum whose window leakage is all the band holds), there is
	// nothing to mark.
	level := total / (float64(s.frames) * fftN * fftN * 3 / 16)
	var all float64
	for _, v := range x8 {
		all += float64(v * v)
	}
	all /= float64(len(x8))
	if level < 1e-8 || level < float64(1e-6*all) {
		return ErrSilent
	}

	// Informed strength per code bit: the host's own features, summed over
	// every tile of the bit in the whole signal, either already favour the
	// bit or work against it; bits the host opposes get a stronger mark, so
	// that the energy goes where it changes decisions.
	code := payload.Encode(id)
	l := newLayout(key)
	target := func(k, b int) (float64, int) {
		t := (k%periodSlots)*bands + b
		c := l.chip[t]
		j := l.bit[t]
		if j >= 0 && code[j] == 0 {
			c = -c
		}
		return c, j
	}
	h := hostFeatures(s, slotOf, nSlots)
	var hostSum [payload.Bits]float64
	var hostN [payload.Bits]int
	for k := range h {
		for b := range h[k] {
			if t, j := target(k, b); j >= 0 && h[k][b] != 0 {
				hostSum[j] += t * h[k][b]
				hostN[j]++
			}
		}
	}
	var hostMean [payload.Bits]float64
	for j := range hostMean {
		if hostN[j] > 0 {
			hostMean[j] = hostSum[j] / float64(hostN[j])
		}
	}

	// Masking weight of every tile: more where the tile is quiet against
	// its neighbourhood (it is masked there, and cheap in SNR).
	wt := make([][bands]float64, nSlots)
	for k := range wt {
		for b := range wt[k] {
			if e[k][b] <= 0 {
				continue
			}
			var m float64
			cnt := 0
			for j := max(k-1, 0); j <= min(k+1, nSlots-1); j++ {
				for c := max(b-2, 0); c <= min(b+2, bands-1); c++ {
					m += e[j][c]
					cnt++
				}
			}
			wt[k][b] = min(maxBoost, math.Sqrt(m/(float64(cnt)*e[k][b])))
		}
	}

	// Gains for a margin M: every tile's half-bands move apart by
	// chip·bit times its strength; a code bit's strength is what lifts the
	// mean feature of its tiles over the whole signal from the host's value
	// to M (a sync tile's, its own feature), at least M/16, at most maxS.
	// The mark moves a feature by about 3.2 times the gain deviation.
	a := make([][bands]float64, nSlots)
	gains := func(M float64) float64 {
		var energy float64
		for k := range a {
			for b := range a[k] {
				t, j := target(k, b)
				m := 0.0 // sync tiles: the host averages out over all of them
				if j >= 0 {
					m = hostMean[j]
				}
				v := max(M/16, (M-m)/3.2)
				if j < 0 {
					v *= syncShare
				} else if v > giveUp*M {
					v = M / 16 // too costly: left to the error correction
				}
				v = min(v, maxS)
				a[k][b] = max(-maxA, min(maxA, v*wt[k][b]*t))
				energy += float64(float64(a[k][b]*a[k][b]) * e[k][b])
			}
		}
		return energy
	}
	// The largest margin whose predicted cost meets the SNR floor, by
	// bisection. Cost: the difference's energy per channel at rate8 is
	// about 2·hop/(N·3N/8) times Σ a²·e (Parseval over Hann frames, the
	// positive half of the spectrum), times rate/rate8 samples, times the
	// channel count.
	var px float64
	for _, c := range samples {
		for _, v := range c {
			px += float64(float64(v) * float64(v))
		}
	}
	// 10^(snr/10) rounded to a thousandth, so that a last-ulp difference
	// of math.Pow between platforms cannot change the output.
	ratio := math.Round(math.Pow(10, snr/10)*1000) / 1000
	perUnit := 2.0 * embedHop / (fftN * 3 * fftN / 8) * float64(rate) / rate8 * float64(len(samples))
	budget := px / ratio / perUnit
	lo, hi := 0.0, 4.0
	for it := 0; it < 30; it++ {
		mid := (lo + hi) / 2
		if gains(mid) > budget {
			hi = mid
		} else {
			lo = mid
		}
	}
	gains(lo)
	delta8 := synthesize(s, a, tf, win, len(x8), slotOf)

	delta := resample(delta8, rate8, rate, cutoff8, n)

	// Scale to the SNR floor exactly: the prediction is only approximate
	// (the STFT of the difference is not exactly the scaled STFT), and
	// within a factor of two either way it is cheaper to correct than to
	// iterate.
	var pd float64
	for _, v := range delta {
		pd += float64(v * v)
	}
	pd *= float64(len(samples))
	scale := 1.0
	if pd > 0 {
		scale = min(2, math.Sqrt(px/float64(pd*ratio)))
	}
	const top = 1 - 1.0/(1<<23)
	for _, c := range samples {
		for i, v := range c {
			y := float64(v) + float64(delta[i]*scale)
			c[i] = float32(max(-1, min(top, y)))
		}
	}
	return nil
}

// hostFeatures returns the host's tile features as Embed sees them (on its
// coarser STFT).
func hostFeatures(s *stft, slotOf func(int) int, nSlots int) [][bands]float64 {
	eh := make([][halves]float64, nSlots)
	const hb = binsPerBand / 2
	for f := 0; f < s.frames; f++ {
		k := slotOf(f)
		for i := 0; i < bandBins; i++ {
			eh[k][i/hb] += float64(s.re[f][i]*s.re[f][i]) + float64(s.im[f][i]*s.im[f][i])
		}
	}
	d := make([][bands]float64, nSlots)
	features(eh, d)
	return d
}

// synthesize returns the difference signal at rate8 for gains a: each
// frame's band scaled by its tile's gain deviation (the upper half-band the
// other way), inverse transformed, Hann-windowed and overlap-added (Hann²
// at a quarter-frame hop sums to 1.5).
func synthesize(s *stft, a [][bands]float64, tf *fft, win []float64, n8 int, slotOf func(int) int) []float64 {
	delta8 := make([]float64, n8)
	re, im := make([]float64, fftN), make([]float64, fftN)
	norm := 1 / (1.5 * fftN)
	for f := 0; f < s.frames; f++ {
		clear(re)
		clear(im)
		k := slotOf(f)
		for i := 0; i < bandBins; i++ {
			g := a[k][i/binsPerBand]
			if i%binsPerBand >= binsPerBand/2 {
				g = -g // the upper half moves the other way
			}
			r, q := float64(s.re[f][i]*g), float64(s.im[f][i]*g)
			j := firstBin + i
			re[j], im[j] = r, q
			re[fftN-j], im[fftN-j] = r, -q
		}
		tf.transform(re, im, true)
		start := f*embedHop - fftN/2
		for i := range re {
			j := start + i
			if j >= 0 && j < len(delta8) {
				delta8[j] += float64(float64(re[i]*win[i]) * norm)
			}
		}
	}
	return delta8
}
