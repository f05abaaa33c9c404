package resample

import (
	"math"
	"testing"
)

func tone(n, rate int, hz float64) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = 0.5 * math.Sin(2*math.Pi*hz*float64(i)/float64(rate))
	}
	return s
}

// TestTone resamples tones and compares the middle of the output with the
// same tone computed directly at the output rate (the oracle).
func TestTone(t *testing.T) {
	for _, tc := range []struct {
		from, to int
		hz       float64
		maxErr   float64 // worst absolute error against the oracle
	}{
		{16000, 44100, 800, 1e-3},
		{16000, 48000, 3000, 1e-3},
		{16000, 22050, 6000, 2e-3},
		{16000, 11025, 800, 1e-3},
		{16000, 8000, 800, 1e-3},
		{44100, 16000, 1000, 1e-3},
		{16000, 16000, 800, 0},
	} {
		r, err := New(tc.from, tc.to)
		if err != nil {
			t.Fatal(err)
		}
		in := tone(tc.from, tc.from, tc.hz) // 1 s
		out := r.Resample(in)
		if len(out) != tc.to {
			t.Errorf("%d->%d: %d samples, want %d", tc.from, tc.to, len(out), tc.to)
		}
		want := tone(tc.to, tc.to, tc.hz)
		worst := 0.0
		for i := tc.to / 10; i < tc.to*9/10; i++ {
			worst = max(worst, math.Abs(out[i]-want[i]))
		}
		if worst > tc.maxErr {
			t.Errorf("%d->%d %v Hz: worst error %.2g > %.2g", tc.from, tc.to, tc.hz, worst, tc.maxErr)
		}
	}
}

// TestAntiAlias checks that a tone above the output Nyquist is removed.
func TestAntiAlias(t *testing.T) {
	r, _ := New(16000, 8000)
	out := r.Resample(tone(16000, 16000, 6000))
	peak := 0.0
	for _, v := range out[800:7200] {
		peak = max(peak, math.Abs(v))
	}
	if peak > 0.5e-3 { // -60 dB below the 0.5 input
		t.Errorf("6 kHz leaks through 16k->8k at %.2g", peak)
	}
}

func TestBadRates(t *testing.T) {
	for _, rr := range [][2]int{{0, 8000}, {8000, -1}, {MaxRate + 1, 8000}} {
		if _, err := New(rr[0], rr[1]); err == nil {
			t.Errorf("New(%d, %d) accepted", rr[0], rr[1])
		}
	}
}
