package textwm

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestDigitsRoundTrip(t *testing.T) {
	for _, id := range []uint64{0, 1, 0xFFFFFFFFFFFFFFFF, 0x0123456789ABCDEF, testID} {
		d := digits(id)
		got, ok := fromDigits(d[:])
		if !ok || got != id {
			t.Errorf("%x: got %x, %v", id, got, ok)
		}
		d[3] = (d[3] + 1) % fieldP
		if got, ok := fromDigits(d[:]); ok {
			t.Errorf("%x: a changed digit still passes the CRC (%x)", id, got)
		}
	}
	// The largest 12-digit value is far above 2^88: rejected.
	var top [codeK]int
	for i := range top {
		top[i] = fieldP - 1
	}
	if _, ok := fromDigits(top[:]); ok {
		t.Error("a message above 2^88 was accepted")
	}
}

// TestDecodeCorrects checks Berlekamp-Welch against the code's guarantee:
// with r symbols, up to (r-12)/2 errors are corrected, on random subsets of
// indices and random error values.
func TestDecodeCorrects(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 200; trial++ {
		id := rng.Uint64()
		code := codeword(id)
		r := codeK + rng.IntN(40)
		perm := rng.Perm(codeN)[:r]
		e := (r - codeK) / 2
		nerr := rng.IntN(e + 1)
		pts := make([]point, r)
		for i, idx := range perm {
			pts[i] = point{idx, code[idx]}
			if i < nerr {
				pts[i].val = (code[idx] + 1 + rng.IntN(fieldP-1)) % fieldP
			}
		}
		msg, errs, ok := decode(pts)
		if !ok || errs != nerr {
			t.Fatalf("r=%d, %d errors: ok=%v errs=%d", r, nerr, ok, errs)
		}
		got, ok := fromDigits(msg)
		if !ok || got != id {
			t.Fatalf("decoded %x, want %x", got, id)
		}
	}
}

// TestFalsePositiveBound compares falsePositive with a float computation done
// independently with logarithms, and checks the worst case stated in the
// package documentation.
func TestFalsePositiveBound(t *testing.T) {
	for _, c := range [][2]int{{12, 0}, {13, 0}, {20, 4}, {40, 14}, {238, 113}} {
		r, e := c[0], c[1]
		var sum float64
		for j := 0; j <= e; j++ {
			lg, _ := math.Lgamma(float64(r + 1))
			l1, _ := math.Lgamma(float64(j + 1))
			l2, _ := math.Lgamma(float64(r - j + 1))
			sum += math.Exp(lg - l1 - l2 + float64(j)*math.Log(238) + 64*math.Ln2 - float64(r)*math.Log(239))
		}
		got := falsePositive(r, e)
		if sum < 1e-300 && got < 1e-300 {
			continue
		}
		if math.Abs(got-sum)/sum > 1e-9 {
			t.Errorf("falsePositive(%d, %d) = %g, independent %g", r, e, got, sum)
		}
	}
	worst := 0.0
	for r := codeK; r <= codeN; r++ {
		worst = max(worst, falsePositive(r, (r-codeK)/2))
	}
	if worst > 1e-6 || math.Abs(worst-math.Pow(2, 64)/math.Pow(239, 12))/worst > 1e-9 {
		t.Errorf("worst-case bound %g, want 2^64/239^12 ≈ 5.4e-10", worst)
	}
}
