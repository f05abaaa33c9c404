package textwm

import (
	"encoding/binary"
	"math/big"
	"math/bits"
	"sync"
)

// The payload code: a Reed-Solomon code over the prime field GF(239), in its
// evaluation form. The 88-bit message (the 64-bit ID and its CRC-24, the same
// message package payload codes for images and audio) is written as 12
// base-239 digits, the coefficients of a polynomial m of degree < 12; code
// symbol i is m(i+1), for i in [0, 238). Any 12 distinct symbols determine m,
// so marks can be read in any number and order; with r distinct symbols the
// Berlekamp-Welch decoder corrects up to (r-12)/2 wrong ones.
//
// Why not package payload's binary convolutional code: its 282 code bits
// would need 36 marks of 8 bits per copy, far beyond the 20 marks that 5% of
// a 400-character excerpt allows. A symbol here is one invisible character
// carrying log2(239) ≈ 7.9 bits, and no sync is needed because each mark's
// symbol index comes from the text before it (see the package doc).
const (
	fieldP  = 239        // the field's prime; also the mark alphabet size
	codeN   = fieldP - 1 // symbols per codeword: every non-zero evaluation point
	codeK   = 12         // message digits: 239^12 ≈ 2^94.8 ≥ 2^88
	msgBits = 88         // 64 ID bits + 24 CRC bits
	crcBits = 24         // the CRC's length
)

// crc24 is CRC-24/OpenPGP (polynomial 0x864CFB, initial value 0xB704CE), the
// check package payload appends to the ID.
func crc24(b []byte) uint32 {
	crc := uint32(0xB704CE)
	for _, c := range b {
		crc ^= uint32(c) << 16
		for i := 0; i < 8; i++ {
			crc <<= 1
			if crc&0x1000000 != 0 {
				crc ^= 0x1864CFB
			}
		}
	}
	return crc & 0xFFFFFF
}

// digits returns the message of id (id<<24 | CRC-24) as 12 base-239 digits,
// least significant first.
func digits(id uint64) [codeK]int {
	var d [codeK]int
	copy(d[:], toDigits(id, crcBits, regularBases[:]))
	return d
}

// regularBases are the digit bases of the regular code's message.
var regularBases = func() (b [codeK]int) {
	for i := range b {
		b[i] = fieldP
	}
	return b
}()

// toDigits returns the message id<<c | (the top c bits of the CRC-24 of id)
// as mixed-radix digits, least significant first, digit i in base bases[i].
// c <= 24, and the product of the bases must exceed 2^(64+c).
func toDigits(id uint64, c int, bases []int) []int {
	var be [8]byte
	binary.BigEndian.PutUint64(be[:], id)
	crc := uint64(crc24(be[:])) >> (crcBits - c)
	hi, lo := id>>(64-c), id<<c|crc // the (64+c)-bit message as a 128-bit number
	if c == 0 {
		hi, lo = 0, id
	}
	d := make([]int, len(bases))
	for i, b := range bases {
		var r uint64
		hi, r = hi/uint64(b), hi%uint64(b)
		lo, r = bits.Div64(r, lo, uint64(b))
		d[i] = int(r)
	}
	return d
}

// fromDigits inverts digits: it returns the ID when the digits encode a
// number below 2^88 whose low 24 bits are the CRC-24 of the high 64.
func fromDigits(d []int) (uint64, bool) { return fromMixed(d, regularBases[:len(d)], crcBits) }

// fromMixed inverts toDigits: it returns the ID when the digits (each below
// its base) encode a number below 2^(64+c) whose low c bits are the top c
// bits of the CRC-24 of the high 64.
func fromMixed(d, bases []int, c int) (uint64, bool) {
	var hi, lo uint64
	for i := len(d) - 1; i >= 0; i-- {
		b := uint64(bases[i])
		if d[i] < 0 || uint64(d[i]) >= b {
			return 0, false
		}
		h, l := bits.Mul64(lo, b)
		l, carry := bits.Add64(l, uint64(d[i]), 0)
		hi = hi*b + h + carry
		lo = l
		if hi >= 1<<c {
			return 0, false // ≥ 2^(64+c); the partial values only grow
		}
	}
	id := lo
	if c > 0 {
		id = hi<<(64-c) | lo>>c
	}
	var be [8]byte
	binary.BigEndian.PutUint64(be[:], id)
	crc := uint64(crc24(be[:])) >> (crcBits - c)
	return id, lo&(1<<c-1) == crc
}

// inv holds the multiplicative inverses in GF(239).
var inv = func() [fieldP]int {
	var t [fieldP]int
	for a := 1; a < fieldP; a++ {
		for b := 1; b < fieldP; b++ {
			if a*b%fieldP == 1 {
				t[a] = b
				break
			}
		}
	}
	return t
}()

// eval returns poly(x) in GF(239); poly is lowest degree first.
func eval(poly []int, x int) int {
	v := 0
	for i := len(poly) - 1; i >= 0; i-- {
		v = (v*x + poly[i]) % fieldP
	}
	return v
}

// codeword returns the 238 code symbols of id.
func codeword(id uint64) [codeN]int {
	d := digits(id)
	var c [codeN]int
	for i := range c {
		c[i] = eval(d[:], i+1)
	}
	return c
}

// point is one received code symbol: its index in [0, codeN) and value.
type point struct{ idx, val int }

// decode returns the message digits within (r-12)/2 errors of the r
// received points (distinct indices) and the number of points that disagree
// with them, or false when there is none. It first tries a radius of 4,
// which needs a far smaller linear system when many symbols were read, then
// the full radius; with at most (r-12)/2 errors the result is the same.
func decode(pts []point) (msg []int, errs int, ok bool) {
	r := len(pts)
	if r < codeK {
		return nil, 0, false
	}
	emax := (r - codeK) / 2
	if emax > 4 {
		if msg, errs, ok := decodeRadius(pts, 4, codeK); ok {
			return msg, errs, ok
		}
	}
	return decodeRadius(pts, emax, codeK)
}

// decodeRadius runs Berlekamp-Welch for at most e errors on a code of k
// message digits (with e = 0 it interpolates).
func decodeRadius(pts []point, e, k int) (msg []int, errs int, ok bool) {
	r := len(pts)
	// Unknowns: Q's k+e coefficients, then E's e low coefficients (E monic of
	// degree e). Row i: Q(x_i) - y_i E_low(x_i) = y_i x_i^e.
	cols := k + 2*e
	m := make([][]int, r)
	for i, p := range pts {
		row := make([]int, cols+1)
		x := p.idx + 1
		pw := 1
		for j := 0; j < k+e; j++ {
			row[j] = pw
			if j < e {
				row[k+e+j] = (fieldP - p.val*pw%fieldP) % fieldP
			}
			pw = pw * x % fieldP
		}
		// pw is now x^(k+e); we need x^e for the right-hand side.
		xe := 1
		for j := 0; j < e; j++ {
			xe = xe * x % fieldP
		}
		row[cols] = p.val * xe % fieldP
		m[i] = row
	}
	sol, ok := solve(m, cols)
	if !ok {
		return nil, 0, false
	}
	q := sol[:k+e]
	E := append(append([]int(nil), sol[k+e:]...), 1)
	msg, ok = divide(q, E, k)
	if !ok {
		return nil, 0, false
	}
	for _, p := range pts {
		if eval(msg, p.idx+1) != p.val {
			errs++
		}
	}
	if errs > e {
		return nil, 0, false
	}
	return msg, errs, true
}

// solve finds one solution of the linear system m (rows of cols
// coefficients and a right-hand side) over GF(239), free variables set to 0.
func solve(m [][]int, cols int) ([]int, bool) {
	pivots := make([]int, 0, cols)
	row := 0
	for c := 0; c < cols && row < len(m); c++ {
		p := -1
		for i := row; i < len(m); i++ {
			if m[i][c] != 0 {
				p = i
				break
			}
		}
		if p < 0 {
			continue
		}
		m[row], m[p] = m[p], m[row]
		iv := inv[m[row][c]]
		for j := c; j <= cols; j++ {
			m[row][j] = m[row][j] * iv % fieldP
		}
		for i := range m {
			if i == row || m[i][c] == 0 {
				continue
			}
			f := m[i][c]
			for j := c; j <= cols; j++ {
				m[i][j] = (m[i][j] - f*m[row][j]%fieldP + fieldP) % fieldP
			}
		}
		pivots = append(pivots, c)
		row++
	}
	for i := row; i < len(m); i++ {
		if m[i][cols] != 0 {
			return nil, false // inconsistent
		}
	}
	sol := make([]int, cols)
	for i, c := range pivots {
		sol[c] = m[i][cols]
	}
	return sol, true
}

// divide returns q / e when e divides q exactly and the quotient has degree
// < k. Polynomials are lowest degree first; e is monic.
func divide(q, e []int, k int) ([]int, bool) {
	rem := append([]int(nil), q...)
	de := len(e) - 1
	if len(rem) < de+1 {
		return make([]int, k), allZero(rem)
	}
	quot := make([]int, len(rem)-de)
	for i := len(rem) - 1; i >= de; i-- {
		c := rem[i] // e is monic
		quot[i-de] = c
		if c == 0 {
			continue
		}
		for j := 0; j <= de; j++ {
			rem[i-de+j] = (rem[i-de+j] - c*e[j]%fieldP + fieldP) % fieldP
		}
	}
	if !allZero(rem[:de]) {
		return nil, false
	}
	for _, c := range quot[min(k, len(quot)):] {
		if c != 0 {
			return nil, false
		}
	}
	out := make([]int, k)
	copy(out, quot)
	return out, true
}

func allZero(a []int) bool {
	for _, v := range a {
		if v != 0 {
			return false
		}
	}
	return true
}

var (
	fpMu    sync.Mutex
	fpCache = map[[2]int]float64{}
)

// falsePositive bounds the probability that r received symbols carrying no
// mark (independent and uniform over the 239 values, which holds for any
// text not marked with this key, because indices and whitening are keyed)
// lie within errs errors of one of the 2^64 valid codewords:
//
//	2^64 · Σ_{j=0..errs} C(r, j)·238^j / 239^r
//
// by the union bound. It is exact (big integers), so identical on every
// platform. For the decoder's own radius errs = (r-12)/2 it is largest at
// r = 12: 2^64 / 239^12 ≈ 5.4e-10.
func falsePositive(r, errs int) float64 {
	if r < codeK {
		return 1
	}
	key := [2]int{r, errs}
	fpMu.Lock()
	defer fpMu.Unlock()
	if v, ok := fpCache[key]; ok {
		return v
	}
	num := new(big.Int)
	c := big.NewInt(1) // C(r, j)
	pw := big.NewInt(1)
	for j := 0; j <= errs && j <= r; j++ {
		if j > 0 {
			c.Mul(c, big.NewInt(int64(r-j+1)))
			c.Quo(c, big.NewInt(int64(j)))
			pw.Mul(pw, big.NewInt(fieldP-1))
		}
		num.Add(num, new(big.Int).Mul(c, pw))
	}
	num.Lsh(num, 64)
	den := new(big.Int).Exp(big.NewInt(fieldP), big.NewInt(int64(r)), nil)
	f, _ := new(big.Rat).SetFrac(num, den).Float64()
	if f > 1 {
		f = 1
	}
	fpCache[key] = f
	return f
}
