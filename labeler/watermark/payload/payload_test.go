package payload

import (
	"hash/crc32"
	"math"
	"math/rand/v2"
	"testing"
)

func TestCRC24Vector(t *testing.T) {
	// CRC-24/OpenPGP check value from the CRC catalogue.
	if got := crc24([]byte("123456789")); got != 0x21CF02 {
		t.Fatalf("crc24(123456789) = %06x, want 21cf02", got)
	}
}

func TestEncodeShape(t *testing.T) {
	if Bits != 282 {
		t.Fatalf("Bits = %d", Bits)
	}
	c := Encode(0x0123456789abcdef)
	if len(c) != Bits {
		t.Fatalf("len = %d", len(c))
	}
	ones := 0
	for _, b := range c {
		if b > 1 {
			t.Fatalf("code bit %d", b)
		}
		ones += int(b)
	}
	if ones < Bits/4 || ones > 3*Bits/4 {
		t.Fatalf("unbalanced codeword: %d ones", ones)
	}
	// Linearity: the code of a XOR b equals code(a) XOR code(b) XOR code(0)
	// because the CRC is affine; a cheap independent check of the coder.
	a, b := uint64(0xdeadbeef00c0ffee), uint64(0x1122334455667788)
	ca, cb, cz, cab := Encode(a), Encode(b), Encode(0), Encode(a^b)
	for i := range cab {
		if cab[i] != ca[i]^cb[i]^cz[i] {
			t.Fatalf("code not affine at bit %d", i)
		}
	}
}

func soft(code []byte, amp float64) []float64 {
	s := make([]float64, len(code))
	for i, c := range code {
		s[i] = amp * (2*float64(c) - 1)
	}
	return s
}

func TestRoundTripWithErrors(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 200; trial++ {
		id := r.Uint64()
		s := soft(Encode(id), 1)
		// Flip a random 6% of the signs and add noise: well within the code.
		flips := 0
		for i := range s {
			s[i] += 0.3 * r.NormFloat64()
			if r.Float64() < 0.06 {
				s[i] = -s[i]
				flips++
			}
		}
		got, errs, ok := Decode(s)
		if !ok || got != id {
			t.Fatalf("trial %d: got %x ok=%v errs=%d, want %x (%d flips)", trial, got, ok, errs, id, flips)
		}
		want := Errors(s, Encode(id))
		if errs != want {
			t.Fatalf("bitErrors %d, want %d", errs, want)
		}
	}
}

func TestBurstAndErasures(t *testing.T) {
	id := uint64(0xfeedface12345678)
	s := soft(Encode(id), 1)
	for i := 100; i < 112; i++ { // a burst of 12 erasures
		s[i] = 0
	}
	for i := 0; i < Bits; i += 17 { // plus scattered wrong signs
		s[i] = -s[i]
	}
	got, errs, ok := Decode(s)
	if !ok || got != id {
		t.Fatalf("got %x ok=%v errs=%d", got, ok, errs)
	}
}

func TestRandomNeverFound(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	s := make([]float64, Bits)
	for trial := 0; trial < 20000; trial++ {
		for i := range s {
			s[i] = r.NormFloat64()
		}
		if id, errs, ok := Decode(s); ok {
			t.Fatalf("random input decoded as %x with %d errors", id, errs)
		}
	}
}

func TestWrongLength(t *testing.T) {
	if _, _, ok := Decode(make([]float64, Bits-1)); ok {
		t.Fatal("short input ok")
	}
}

func TestFalsePositive(t *testing.T) {
	// Independent evaluation with log-gamma sums.
	logC := func(n, k int) float64 {
		a, _ := math.Lgamma(float64(n + 1))
		b, _ := math.Lgamma(float64(k + 1))
		c, _ := math.Lgamma(float64(n - k + 1))
		return a - b - c
	}
	for _, e := range []int{0, 10, 30, MaxBitErrors, 70} {
		sum := 0.0
		for d := 0; d <= e; d++ {
			sum += math.Exp(logC(Bits, d) + float64(IDBits-Bits)*math.Ln2)
		}
		sum = math.Min(sum, 1)
		got := FalsePositive(e)
		if math.Abs(got-sum) > 1e-9*sum {
			t.Errorf("FalsePositive(%d) = %g, want %g", e, got, sum)
		}
	}
	if fp := FalsePositive(MaxBitErrors); fp > 1e-8 {
		t.Errorf("default threshold bound %g > 1e-8", fp)
	}
	if FalsePositive(Bits) != 1 || FalsePositive(-1) != 0 {
		t.Error("bounds not capped")
	}
}

func TestKeystream(t *testing.T) {
	a := Keystream([]byte("k"), "image/chips")
	b := Keystream([]byte("k"), "image/chips")
	c := Keystream([]byte("k"), "image/perm")
	d := Keystream([]byte("k2"), "image/chips")
	var ba, bb, bc, bd [100]byte
	a.Read(ba[:])
	b.Read(bb[:5])
	b.Read(bb[5:]) // split reads give the same bytes
	c.Read(bc[:])
	d.Read(bd[:])
	if ba != bb {
		t.Fatal("not deterministic")
	}
	if ba == bc || ba == bd {
		t.Fatal("domains or keys not separated")
	}
	// Golden: the first bytes are independent of Go's version and platform.
	if got := crc32.ChecksumIEEE(ba[:]); got != goldenStreamCRC {
		t.Errorf("stream crc = %#x, want %#x", got, goldenStreamCRC)
	}
	p := Keystream(DevKey, "perm").Perm(1000)
	seen := make([]bool, 1000)
	for _, v := range p {
		if seen[v] {
			t.Fatal("not a permutation")
		}
		seen[v] = true
	}
	counts := make([]int, 7)
	s := Keystream(DevKey, "intn")
	for i := 0; i < 7000; i++ {
		counts[s.Intn(7)]++
	}
	for _, n := range counts {
		if n < 850 || n > 1150 {
			t.Fatalf("Intn skewed: %v", counts)
		}
	}
}

const goldenStreamCRC = 0xfb551982 // from Python hashlib, same construction
