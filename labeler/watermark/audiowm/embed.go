package audiowm

import (
	"math"
	"slices"

	"github.com/aigclabel/aigclabel/labeler/watermark/internal/fft"
	"github.com/aigclabel/aigclabel/labeler/watermark/payload"
)

// corrections is the number of times Embed measures its mark with the
// detector's analysis and corrects it.
const corrections = 2

// overshoot scales the corrections: the detector sees a change of part
// gains only partly (leakage between neighbouring parts).
const overshoot = 1.6

// stft holds the marked band of an STFT at rate8.
type stft struct {
	frames int
	re, im [][]float64 // [frame][bin-firstBin]
}

// bandBins is the number of bins carrying the mark.
const bandBins = halves * halfBins

// analyse computes the band's STFT of x with hop, Hann-windowed frames
// centred on multiples of hop.
func analyse(x []float64, hop int, tf *fft.Plan, win []float64) *stft {
	nf := len(x)/hop + 1
	s := &stft{frames: nf, re: make([][]float64, nf), im: make([][]float64, nf)}
	backing := make([]float64, 2*nf*bandBins)
	for f := range nf {
		s.re[f] = backing[2*f*bandBins : (2*f+1)*bandBins]
		s.im[f] = backing[(2*f+1)*bandBins : (2*f+2)*bandBins]
	}
	transformPairs(x, hop, nf, tf, win, func(f int, re, im []float64) {
		for i := range bandBins {
			xr, xi, yr, yi := split(re, im, firstBin+i)
			s.re[f][i], s.im[f][i] = xr, xi
			if f+1 < nf {
				s.re[f+1][i], s.im[f+1][i] = yr, yi
			}
		}
	})
	return s
}

// meter measures slot energies as the detector sees them, keeping its
// buffers from one measurement to the next.
type meter struct {
	w    window
	tf   *fft.Plan
	win  []float64
	rows [2][maxBin + 1]float64
}

// slotEnergies returns the half-band energies of x's slots as the detector
// sees them at scale 1 and offset 0: detectSpectrum and prepare, computing
// only the bins the parts read and holding no spectrum.
func (m *meter) slotEnergies(x8 []float64) [][halves]float64 {
	if m.tf == nil {
		m.tf, m.win = fft.For(fftN), hann(fftN)
	}
	nf := len(x8)/detectHop + 1
	w := &m.w
	w.w0, w.w1 = 0, nf
	w.edges(1)
	transformPairs(x8, detectHop, nf, m.tf, m.win, func(f int, re, im []float64) {
		// At scale 1 the parts read bins firstBin to firstBin+bandBins.
		for i := firstBin; i <= firstBin+bandBins; i++ {
			xr, xi, yr, yi := split(re, im, i)
			m.rows[0][i] = float64(xr*xr) + float64(xi*xi)
			m.rows[1][i] = float64(yr*yr) + float64(yi*yi)
		}
		w.accumulate(f, &m.rows[0])
		if f+1 < nf {
			w.accumulate(f+1, &m.rows[1])
		}
	})
	w.tiles(1, 0)
	return slices.Clone(w.e)
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
	tf := fft.For(fftN)
	win := hann(fftN)
	s := analyse(x8, embedHop, tf, win)
	var mt meter
	e := mt.slotEnergies(x8)
	nSlots := len(e)

	// Mean in-band power per sample (the Hann window's energy is 3N/8 and
	// the positive half of the spectrum holds half of it, times N for the
	// unnormalised transform, at 31.25 frames per slot): below -80 dBFS,
	// or 60 dB below the whole signal (a hum whose window leakage is all
	// the band holds), there is nothing to mark.
	var total float64
	for k := range e {
		for _, v := range e[k] {
			total += v
		}
	}
	level := total / (float64(nSlots) * framesPerSlot * fftN * fftN * 3 / 16)
	var all float64
	for _, v := range x8 {
		all += float64(v * v)
	}
	all /= float64(len(x8))
	if level < 1e-8 || level < float64(1e-6*all) {
		return ErrSilent
	}
	ref := total / float64(nSlots*halves)

	// Every unit's target: the lattice point of its bit nearest to the
	// host's feature.
	code := payload.Encode(id)
	l := newLayout(key)
	type target struct {
		on   bool
		t, f float64 // target and host feature
		cost float64 // the full move's cost (unitCost)
	}
	tg := make([][units]target, nSlots)
	var costs []float64
	for k := range e {
		q := k % periodSlots
		for g := range l.u[q] {
			u := &l.u[q][g]
			ea, eb := u.sides(&e[k])
			if weight(ea, eb, ref) < 1e-4 {
				continue // silent side: left alone
			}
			f := ln(ea / eb)
			// The bit's lattice is step·m + dither + bit·step/2.
			off := u.dither + float64(code[u.bit])*u.step/2
			m := math.Round((f - off) * u.inv)
			t := float64(m*u.step) + off
			tg[k][g] = target{true, t, f, unitCost(ea, eb, t-f)}
			costs = append(costs, tg[k][g].cost)
		}
	}

	// The SNR floor as a budget: cap every unit's share so that the whole
	// mark is expected to meet it (see capCost).
	var px float64
	for _, c := range samples {
		for _, v := range c {
			px += float64(float64(v) * float64(v))
		}
	}
	// 10^(snr/10) rounded to a thousandth, so that a last-ulp difference
	// of math.Pow between platforms cannot change the output.
	ratio := math.Round(math.Pow(10, snr/10)*1000) / 1000
	// The allowed mark power per sample and channel, in slot-energy units
	// (see level above), over the expected cost of the whole mark.
	budget := px / float64(float64(len(samples))*float64(n)*ratio) * float64(nSlots) * (framesPerSlot * fftN * fftN * 3 / 16)
	if cp := capCost(costs, budget/costFactor); cp >= 0 {
		for k := range tg {
			for g := range tg[k] {
				x := &tg[k][g]
				if x.on && x.cost > cp {
					// Move the unit part of the way (at least
					// minShare): its cost falls with the square of
					// the move.
					x.t = x.f + float64((x.t-x.f)*math.Sqrt(max(cp, minShare*minShare*x.cost)/x.cost))
				}
			}
		}
	}

	// Log-amplitude gains per slot and half-band, corrected after each
	// measurement: a unit's remaining shift r is split between its sides
	// so that the quieter side moves most (the split that minimises the
	// change's energy: A by r·E_B/(E_A+E_B), B by -r·E_A/(E_A+E_B), in
	// log energy).
	la := make([][halves]float64, nSlots)
	gain := make([][halves]float64, nSlots)
	delta8, y := make([]float64, len(x8)), make([]float64, len(x8))
	cur := e
	for it := 0; it <= corrections; it++ {
		for k := range cur {
			q := k % periodSlots
			for g := range l.u[q] {
				if !tg[k][g].on {
					continue
				}
				u := &l.u[q][g]
				ea, eb := u.sides(&cur[k])
				if ea <= 0 || eb <= 0 {
					continue
				}
				r := tg[k][g].t - ln(ea/eb)
				r *= overshoot
				c := eb / (ea + eb)
				for _, h := range u.a {
					la[k][h] += float64(r*c) / 2
				}
				for _, h := range u.b {
					la[k][h] -= float64(r*(1-c)) / 2
				}
			}
		}
		for k := range la {
			for h := range la[k] {
				la[k][h] = max(-1, min(1, la[k][h]))
				gain[k][h] = exp(la[k][h]) - 1
			}
		}
		synthesize(s, gain, tf, win, delta8)
		if it < corrections {
			for i, v := range x8 {
				y[i] = v + delta8[i]
			}
			cur = mt.slotEnergies(y)
		}
	}

	// The difference at the file's rate, a block at a time: made twice,
	// to measure it and then to add it, rather than held whole (it would
	// be the largest buffer of all).
	up := newResampler(rate8, rate, cutoff8, n)
	block := make([]float64, min(n, up.block(1<<13)))
	each := func(fn func(m0 int, d []float64)) {
		for m0 := 0; m0 < n; m0 += len(block) {
			d := block[:min(len(block), n-m0)]
			up.run(d, m0, delta8, 0, len(delta8))
			fn(m0, d)
		}
	}

	// Weaken to the SNR floor if the mark still costs more than expected.
	var pd float64
	each(func(_ int, d []float64) {
		for _, v := range d {
			pd += float64(v * v)
		}
	})
	pd *= float64(len(samples))
	scale := 1.0
	if pd > 0 && float64(pd*ratio) > px {
		scale = math.Sqrt(px / float64(pd*ratio))
	}
	const top = 1 - 1.0/(1<<23)
	each(func(m0 int, d []float64) {
		for _, c := range samples {
			c = c[m0 : m0+len(d)]
			for i, v := range c {
				y := float64(v) + float64(d[i]*scale)
				c[i] = float32(max(-1, min(top, y)))
			}
		}
	})
	return nil
}

// synthesize sets delta8 to the difference signal at rate8 for gains g (the
// amplitude factor minus one per slot and half-band): each frame's band
// scaled by its slot's gains, inverse transformed, Hann-windowed and
// overlap-added (Hann² at a quarter-frame hop sums to 1.5).
func synthesize(s *stft, g [][halves]float64, tf *fft.Plan, win []float64, delta8 []float64) {
	clear(delta8)
	re, im := make([]float64, fftN), make([]float64, fftN)
	norm := 1 / (1.5 * fftN)
	// Two frames per complex transform: the spectra X of frame f and Y of
	// frame f+1 (both of real signals) go in as X + iY, and the real and
	// imaginary parts of the result are the two frames.
	for f := 0; f < s.frames; f += 2 {
		clear(re)
		clear(im)
		for d := 0; d < 2 && f+d < s.frames; d++ {
			// The slot of the frame centred at (f+d)·embedHop samples.
			k := min((f+d)*embedHop*slotsPerSecond/rate8, len(g)-1)
			for i := 0; i < bandBins; i++ {
				a := g[k][i/halfBins]
				r, q := float64(s.re[f+d][i]*a), float64(s.im[f+d][i]*a)
				j := firstBin + i
				if d == 0 { // X: X[j] = r + iq, X[N-j] = r - iq
					re[j] += r
					im[j] += q
					re[fftN-j] += r
					im[fftN-j] -= q
				} else { // iY: iY[j] = -q + ir, iY[N-j] = q + ir
					re[j] -= q
					im[j] += r
					re[fftN-j] += q
					im[fftN-j] += r
				}
			}
		}
		tf.Transform(re, im, true)
		for d, out := range [2][]float64{re, im} {
			if f+d >= s.frames {
				break
			}
			start := (f+d)*embedHop - fftN/2
			for i := range out {
				j := start + i
				if j >= 0 && j < len(delta8) {
					delta8[j] += float64(float64(out[i]*win[i]) * norm)
				}
			}
		}
	}
}

// costFactor is the ratio of the mark's power to the sum of its units'
// unitCost, measured at full strength on the corpus clips and synthetic
// music (2.1 to 2.5): the corrections' overshoot and the leakage between
// parts and slots make the mark dearer than the ideal split. Where it is
// low, the final scaling makes up the difference.
const costFactor = 2.4

// unitCost is the energy (in slot-energy units) of moving a unit's
// feature by d with the split that minimises it: the sides' log energies
// move by d·E_B/(E_A+E_B) and -d·E_A/(E_A+E_B), costing about E·(Δln E/2)²
// each, d²/4 · E_A·E_B/(E_A+E_B) in all.
func unitCost(ea, eb, d float64) float64 {
	return float64(float64(ea*eb)/(ea+eb)) * float64(d*d) / 4
}

// minShare is the least part of its move a capped unit makes: half, so
// that unattacked it reads right or, at worst (half a step from its
// point), as an erasure; a unit that read wrong would vote against its bit
// with the full weight of a loud unit. Measured on the corpus: 0.3-0.4
// lose 5-second speech excerpts (a few loud units read wrong and the
// Viterbi decoder follows them), 0.6-0.7 exhaust the budget on speech
// (every unit capped, a uniform weakening again).
const minShare = 0.5

// capCost returns the cap C such that the sum over costs c of
// min(c, max(C, minShare²·c)) equals budget, or -1 when the costs fit the
// budget whole. Capping is the cheapest way to keep most units on their
// lattice points: the cost of a mark concentrates in a few loud units
// (vowels, a loud note), and moving those only part of the way frees the
// budget for all others, where a uniform weakening would leave every unit
// short of its point.
func capCost(costs []float64, budget float64) float64 {
	var sum, top float64
	for _, c := range costs {
		sum += c
		top = max(top, c)
	}
	if sum <= budget || len(costs) == 0 {
		return -1
	}
	// The sum grows with C: bisect (a fixed number of halvings, so the
	// result is the same everywhere).
	lo, hi := 0.0, top
	for range 64 {
		mid := (lo + hi) / 2
		var s float64
		for _, c := range costs {
			s += min(c, max(mid, float64(minShare*minShare)*c))
		}
		if s > budget {
			hi = mid
		} else {
			lo = mid
		}
	}
	return lo
}
