package textwm

import (
	"math/big"
	"slices"
)

// The compact layout, for texts under 240 characters, where the 12 symbols
// of the regular code would exceed one mark per 20 characters.
//
// A text of N characters may take n = N/20 marks (rounded down); the
// compact layout needs 9 to 11 (so 180 characters at least). They carry one
// copy of the ID with fewer check bits: the message is the ID followed by the
// top c bits of its CRC-24, written as n base-239 digits, the coefficients of
// a polynomial m of degree < n (c = 7, 15, 22 for n = 9, 10, 11: the most
// that fit, as 239^n ≥ 2^(64+c)). The marks go into the n plain gaps (see
// positions.go, without the Markdown or HTML exclusions, one-character marks
// only) whose contexts have the lowest keyed priorities (a second, independent
// part of the keyed context hash); the mark with the j-th lowest priority
// carries m(j+1), whitened like the regular symbols. Where opts exclude one
// of those gaps (code, markup, a Markdown line start), the next one is taken
// and the excluded one is a "hole".
//
// Detect tries the compact layout when the regular code gives nothing and
// it reads 9 to 11 marks with distinct contexts. It recomputes the plain
// gaps of the text it is given (G distinct contexts, the marks' included)
// and counts the holes s: unmarked gaps whose priority is below the highest
// of the marks'. Every step the mark survives keeps the contexts, so the
// ranks and G are unchanged (white space collapsing, trimming, line endings
// and normalization neither add nor remove a gap between white space and a
// letter); rendering HTML or Markdown may add gaps, and those below the
// marks' highest priority count as holes.
//
// The false-positive bound: for a text without marks of this key, the
// priorities of its contexts are independent of where its marks are, so
// the marks are the lowest R of the G contexts but for s holes with
// probability C(R+s, R)/C(G, R); and the R values, whitened, are uniform, so
// they interpolate to a valid message (ID and its check bits) with
// probability 2^64/239^R. Their product is the bound, reported as
// Result.Confidence; Detect reports a compact payload only when it is at
// most MaxCompactFalsePositive, and Embed refuses (ErrTooShort) a text whose
// marks would not meet it. A 200-character English text (some 30 gaps, 10
// marks) is at about 3e-13; text with few gaps (CJK with little
// punctuation, much code) falls short and carries no mark.

const (
	// compactMin and compactMax bound the marks of the compact layout:
	// 239^9 ≥ 2^71 holds the ID and 7 check bits; 12 marks are the regular
	// code.
	compactMin = 9
	compactMax = codeK - 1
)

// MaxCompactFalsePositive is the highest false-positive bound at which
// Detect reports a payload read from the compact layout (and Embed uses it).
// The regular code's bound is at most 5.4e-10; a text's total is at most the
// sum of the two.
const MaxCompactFalsePositive = 1e-9

// compactCheck is the number of CRC bits kept with n marks: the largest c
// with 2^(64+c) ≤ 239^n.
var compactCheck = [compactMax + 1]int{9: 7, 10: 15, 11: 22}

// gapPrio lists the distinct priorities of the plain one-character gaps of
// text (the compact layout's ranking set), sorted.
func gapPrios(text string, k *keyed) []uint64 {
	cands, _ := candidates(text, k, Options{})
	var ps []uint64
	for _, c := range cands {
		if c.cost == 1 {
			ps = append(ps, c.prio)
		}
	}
	slices.Sort(ps)
	return slices.Compact(ps)
}

// compactLayout picks the marks of the compact layout for text: n gaps among
// cands (the gaps opts allow) in the order of their priorities, each with a
// distinct context. It returns them in text order with their ranks in idx,
// and the bound their detection would report, or nil and the lowest bound
// found when the gaps are too few or the bound is above
// MaxCompactFalsePositive for every n it tries; and the number of plain
// gap contexts.
func compactLayout(text string, k *keyed, cands []candidate, budget int) (sel []candidate, bound float64, gaps int) {
	plain := gapPrios(text, k)
	allowed := map[uint64]candidate{}
	for _, c := range cands {
		if _, ok := allowed[c.prio]; !ok && c.cost == 1 {
			allowed[c.prio] = c
		}
	}
	best := 1.0
	for n := min(budget, compactMax); n >= compactMin; n-- {
		sel = sel[:0]
		holes := 0
		for _, p := range plain {
			if len(sel) == n {
				break
			}
			c, ok := allowed[p]
			if !ok {
				holes++
				continue
			}
			c.idx = len(sel)
			sel = append(sel, c)
		}
		if len(sel) < n {
			continue
		}
		f := compactBound(n, holes, len(plain))
		if f <= MaxCompactFalsePositive {
			slices.SortFunc(sel, func(a, b candidate) int { return a.at - b.at })
			return sel, f, len(plain)
		}
		best = min(best, f)
	}
	return nil, best, len(plain)
}

// compactBound is the false-positive bound of a compact read: r marks, the
// lowest r of g gap contexts but for holes, carrying a valid message:
// C(r+holes, r)/C(g, r) · 2^64/239^r, computed exactly.
func compactBound(r, holes, g int) float64 {
	if r < compactMin || r > compactMax || g < r+holes {
		return 1
	}
	num := new(big.Int).Binomial(int64(r+holes), int64(r))
	num.Lsh(num, 64)
	den := new(big.Int).Binomial(int64(g), int64(r))
	den.Mul(den, new(big.Int).Exp(big.NewInt(fieldP), big.NewInt(int64(r)), nil))
	f, _ := new(big.Rat).SetFrac(num, den).Float64()
	return min(f, 1)
}

// mark is a mark character read with a full context: its context's priority
// and its raw value (0-238, before unwhitening).
type mark struct {
	prio uint64
	raw  int
}

// compactRead is the compact layout's reading of the marks ms of text: the
// values in rank order (unwhitened) and the false-positive bound, or false
// when the marks cannot be a compact layout (too few or many distinct
// contexts, or two marks with one context and different values).
func compactRead(text string, k *keyed, ms []mark) ([]point, float64, bool) {
	byPrio := map[uint64]int{}
	for _, m := range ms {
		if v, ok := byPrio[m.prio]; ok && v != m.raw {
			return nil, 1, false
		}
		byPrio[m.prio] = m.raw
	}
	r := len(byPrio)
	if r < compactMin || r > compactMax {
		return nil, 1, false
	}
	prios := make([]uint64, 0, r)
	for p := range byPrio {
		prios = append(prios, p)
	}
	slices.Sort(prios)
	top := prios[r-1]
	g, holes := r, 0
	for _, p := range gapPrios(text, k) {
		if _, marked := byPrio[p]; marked {
			continue
		}
		g++
		if p < top {
			holes++
		}
	}
	pts := make([]point, r)
	for j, p := range prios {
		pts[j] = point{j, (byPrio[p] - k.whiten[j] + fieldP) % fieldP}
	}
	return pts, compactBound(r, holes, g), true
}

// compactCode returns the n symbols of id in the compact layout.
func compactCode(id uint64, n int) []int {
	d := digitsOf(id, n, compactCheck[n])
	c := make([]int, n)
	for j := range c {
		c[j] = eval(d, j+1)
	}
	return c
}

// compactDecode interpolates the points of compactRead and checks the
// message: it returns the ID when the digits encode an ID and its check bits.
func compactDecode(pts []point) (uint64, bool) {
	n := len(pts)
	msg, _, ok := decodeRadius(pts, 0, n)
	if !ok {
		return 0, false
	}
	return fromDigitsOf(msg, compactCheck[n])
}
