package textwm

import (
	"math/big"
	"slices"
)

// The compact layout, for texts too short for the regular code: under 240
// characters, where its 12 symbols would exceed one mark per 20 characters,
// or CJK text whose only gaps between ideographs would need two code points
// per mark (ZWNJ and selector).
//
// A text of N characters may take N/20 marks (rounded down); the compact
// layout uses 10 to 16, each one code point, of two kinds:
//
//   - a variation selector VS17-VS255 (239 values) in a plain gap, after
//     white space or CJK punctuation and before a letter or number (see
//     positions.go, without the Markdown or HTML exclusions);
//   - between two Han or kana characters, a tag character U+E0020-U+E007E
//     (95 values): a default-ignorable format character with no
//     decomposition, which NFC, NFD, NFKC and NFKD keep, which Chromium keeps
//     in innerText and in a copy to the clipboard, and which renders as
//     nothing (pixel-identical with Noto CJK, measured in browser_test.go).
//     Unlike a selector it forms no Ideographic Variation Sequence, so it
//     needs no ZWNJ. Tag characters mean something only after U+1F3F4 WAVING
//     BLACK FLAG (emoji tag sequences), never after an ideograph. U+E007F
//     CANCEL TAG, which ends such sequences, is not used.
//
// They carry one copy of the ID with fewer check bits: the message is the
// ID followed by the top c bits of its CRC-24, written in mixed radix, one
// digit per mark (base 239 for a selector, 95 for a tag), c the most that
// fit (2^(64+c) at most the product of the bases, c ≤ 24), and at least 15
// (see minCompactCheck: 10 selectors, or 11 marks with at least 4
// selectors, or 12 with one). Each kind of mark
// goes into the gaps of its kind whose contexts have the lowest keyed
// priorities (parts of the keyed context hash independent of the index and
// of each other); the selector with the j-th lowest priority carries digit
// j, whitened mod 239, and the tag with the i-th lowest the digit after the
// selectors', whitened mod 95. Where opts exclude one of those gaps (code,
// markup, a Markdown line start), the next one is taken and the excluded one
// is a "hole". Of all the mixes of selectors and tags the budget allows,
// Embed takes the one with the lowest false-positive bound.
//
// Detect tries the compact layout when the regular code gives nothing and
// it reads 10 to 16 marks with distinct contexts. It recomputes both sets of
// gaps of the text it is given (G distinct contexts in each, the marks'
// included) and counts the holes s of each: unmarked gaps whose priority is
// below the highest of the marks' of that kind. Every step the mark survives
// keeps the contexts, so the ranks and G are unchanged (white space
// collapsing, trimming, line endings and normalization neither add nor remove
// a gap); rendering HTML or Markdown may add gaps, and those below the marks'
// highest priority count as holes.
//
// The false-positive bound: for a text without marks of this key, the
// priorities of its contexts are independent of where its marks are, so r
// marks of a kind are the lowest r of the G gaps of that kind but for s holes
// with probability C(r+s, r)/C(G, r), for each kind independently; and the
// whitened digits are uniform, so they form a valid message (an ID and its
// check bits) with probability 2^64/(239^v·95^t) for v selectors and t tags.
// The product is the bound, reported as Result.Confidence; Detect reports a
// compact payload only when it is at most MaxCompactFalsePositive, and Embed
// refuses (ErrTooShort) a text whose marks would not meet it. A 200-character
// English text (some 30 gaps, 10 selectors) is at about 1e-13, a
// 220-character Chinese one (some 17 gaps after punctuation, 170 between
// ideographs) at about 1e-16; text with few gaps of either kind (short
// English with CJK, much code) falls short and carries no mark.
//
// A marked text that an edit damaged may lose its mark; it gives a wrong ID
// only when the shifted digits pass the check bits, with probability at most
// 2^64/(239^v·95^t) ≤ 2^-15 per damaged text whose positions still pass
// (measured: none in the tests' 1,848 one-character edits, of which 1,108
// still gave the right ID; without the 15-bit floor, 22 of 5,781 were
// wrong). The regular code's is at most 5.4e-10.

const (
	// compactMin and compactMax bound the marks of the compact layout:
	// fewer than 10 cannot hold 64 bits and 15 check bits (239^9 < 2^79);
	// 239^16 < 2^128 keeps the message in two machine words.
	compactMin = 10
	compactMax = 16
	// tagBase and tagVals: the tag characters used, U+E0020-U+E007E.
	tagBase = 0xE0020
	tagVals = 95
)

// minCompactCheck is the fewest check bits the compact layout keeps. The
// positions guard against foreign marks, but not against a marked text that
// an edit damaged: a mark lost with its gap leaves the others the lowest of
// their gaps, and only the check bits stand between the shifted digits and a
// wrong ID, which they let through with probability 2^64/(239^v·95^t), below
// 2^-minCompactCheck.
var minCompactCheck = 15

// MaxCompactFalsePositive is the highest false-positive bound at which
// Detect reports a payload read from the compact layout (and Embed uses it).
// The regular code's bound is at most 5.4e-10; a text's total is at most the
// sum of the two.
const MaxCompactFalsePositive = 1e-9

// isTag reports the tag characters the compact layout uses.
func isTag(r rune) bool { return r >= tagBase && r < tagBase+tagVals }

// compactBases returns the digit bases of v selectors then t tags.
func compactBases(v, t int) []int {
	b := make([]int, v+t)
	for i := range b {
		b[i] = fieldP
		if i >= v {
			b[i] = tagVals
		}
	}
	return b
}

// compactCheck returns the CRC bits kept with v selectors and t tags: the
// largest c ≤ 24 with 2^(64+c) ≤ 239^v·95^t, or -1 when even the ID does not
// fit.
func compactCheck(v, t int) int {
	capa := new(big.Int).Exp(big.NewInt(fieldP), big.NewInt(int64(v)), nil)
	capa.Mul(capa, new(big.Int).Exp(big.NewInt(tagVals), big.NewInt(int64(t)), nil))
	return min(crcBits, capa.BitLen()-1-64)
}

// gapSets lists the distinct priorities, sorted, of the two kinds of plain
// gaps of text: one-character gaps (for selectors) and gaps between two
// ideographs (for tags).
func gapSets(text string, k *keyed) (sel, tag []uint64) {
	cands, _ := candidates(text, k, Options{})
	for _, c := range cands {
		if c.cost == 1 {
			sel = append(sel, c.prio)
		} else {
			tag = append(tag, c.tagPrio)
		}
	}
	slices.Sort(sel)
	slices.Sort(tag)
	return slices.Compact(sel), slices.Compact(tag)
}

// pick is a gap chosen in priority order, with the holes before it.
type pick struct {
	c     candidate
	holes int
}

// picks walks the sorted priorities of one kind of gap and returns the
// allowed ones in order, each with the number of excluded ones before it.
func picks(prios []uint64, allowed map[uint64]candidate) []pick {
	var out []pick
	holes := 0
	for _, p := range prios {
		c, ok := allowed[p]
		if !ok {
			holes++
			continue
		}
		out = append(out, pick{c, holes})
	}
	return out
}

// compactLayout picks the marks of the compact layout for text: for every
// mix of v selectors and t tags within budget, the allowed gaps of each kind
// (among cands, which opts allow) in priority order; it keeps the mix with
// the lowest bound. It returns the marks in text order, each with its rune,
// and that bound, or nil and the lowest bound found when none is at most
// MaxCompactFalsePositive; and the number of plain gaps of each kind.
func compactLayout(text string, k *keyed, cands []candidate, id uint64, budget int) (sel []candidate, bound float64, gaps [2]int) {
	selPrios, tagPrios := gapSets(text, k)
	gaps = [2]int{len(selPrios), len(tagPrios)}
	allowedSel, allowedTag := map[uint64]candidate{}, map[uint64]candidate{}
	for _, c := range cands {
		m, p := allowedSel, c.prio
		if c.cost == 2 {
			m, p = allowedTag, c.tagPrio
		}
		if _, ok := m[p]; !ok {
			m[p] = c
		}
	}
	ps, pt := picks(selPrios, allowedSel), picks(tagPrios, allowedTag)
	n := min(budget, compactMax)
	best, bv, bt := 2.0, -1, -1
	for v := 0; v <= min(n, len(ps)); v++ {
		for t := max(0, compactMin-v); t <= min(n-v, len(pt)); t++ {
			if compactCheck(v, t) < minCompactCheck {
				continue
			}
			sv, st := 0, 0
			if v > 0 {
				sv = ps[v-1].holes
			}
			if t > 0 {
				st = pt[t-1].holes
			}
			if f := compactBound(v, sv, len(selPrios), t, st, len(tagPrios)); f < best {
				best, bv, bt = f, v, t
			}
		}
	}
	if bv < 0 || best > MaxCompactFalsePositive {
		return nil, min(best, 1), gaps
	}
	d := toDigits(id, compactCheck(bv, bt), compactBases(bv, bt))
	for j, p := range ps[:bv] {
		c := p.c
		c.mark = rune(markBase + (d[j]+k.whiten[j])%fieldP)
		sel = append(sel, c)
	}
	for i, p := range pt[:bt] {
		c := p.c
		c.cost = 1 // a tag, without ZWNJ
		c.mark = rune(tagBase + (d[bv+i]+k.whitenTag[i])%tagVals)
		sel = append(sel, c)
	}
	slices.SortFunc(sel, func(a, b candidate) int { return a.at - b.at })
	return sel, best, gaps
}

// compactBound is the false-positive bound of a compact read: v selectors,
// the lowest v of gv selector gaps but for sv holes, and t tags, the lowest
// t of gt tag gaps but for st holes, carrying a valid message:
//
//	C(v+sv, v)/C(gv, v) · C(t+st, t)/C(gt, t) · 2^64/(239^v·95^t)
//
// computed exactly.
func compactBound(v, sv, gv, t, st, gt int) float64 {
	if v+t < compactMin || v+t > compactMax || gv < v+sv || gt < t+st || compactCheck(v, t) < minCompactCheck {
		return 1
	}
	num := new(big.Int).Binomial(int64(v+sv), int64(v))
	num.Mul(num, new(big.Int).Binomial(int64(t+st), int64(t)))
	num.Lsh(num, 64)
	den := new(big.Int).Binomial(int64(gv), int64(v))
	den.Mul(den, new(big.Int).Binomial(int64(gt), int64(t)))
	den.Mul(den, new(big.Int).Exp(big.NewInt(fieldP), big.NewInt(int64(v)), nil))
	den.Mul(den, new(big.Int).Exp(big.NewInt(tagVals), big.NewInt(int64(t)), nil))
	f, _ := new(big.Rat).SetFrac(num, den).Float64()
	return min(f, 1)
}

// mark is a mark character read with a full context: its context's
// priority for its kind, its raw value (before unwhitening), and whether it
// is a tag.
type mark struct {
	prio uint64
	raw  int
	tag  bool
}

// compactRead is the compact layout's reading of the marks ms of text: the
// digits (unwhitened; selectors in priority order, then tags), the number of
// selectors and tags, and the false-positive bound; or false when the marks
// cannot be a compact layout (too few or many distinct contexts, or two
// marks with one context and different values).
func compactRead(text string, k *keyed, ms []mark) (d []int, v, t int, bound float64, ok bool) {
	bySel, byTag := map[uint64]int{}, map[uint64]int{}
	for _, m := range ms {
		by := bySel
		if m.tag {
			by = byTag
		}
		if r, seen := by[m.prio]; seen && r != m.raw {
			return nil, 0, 0, 1, false
		}
		by[m.prio] = m.raw
	}
	v, t = len(bySel), len(byTag)
	if v+t < compactMin || v+t > compactMax || compactCheck(v, t) < minCompactCheck {
		return nil, 0, 0, 1, false
	}
	selPrios, tagPrios := gapSets(text, k)
	rank := func(by map[uint64]int, prios []uint64) (sorted []uint64, g, holes int) {
		for p := range by {
			sorted = append(sorted, p)
		}
		slices.Sort(sorted)
		g = len(sorted)
		for _, p := range prios {
			if _, marked := by[p]; marked {
				continue
			}
			g++
			if len(sorted) > 0 && p < sorted[len(sorted)-1] {
				holes++
			}
		}
		return sorted, g, holes
	}
	ss, gv, sv := rank(bySel, selPrios)
	ts, gt, st := rank(byTag, tagPrios)
	for j, p := range ss {
		d = append(d, (bySel[p]-k.whiten[j]+fieldP)%fieldP)
	}
	for i, p := range ts {
		d = append(d, (byTag[p]-k.whitenTag[i]+tagVals)%tagVals)
	}
	return d, v, t, compactBound(v, sv, gv, t, st, gt), true
}

// compactDecode checks the digits of compactRead: it returns the ID when
// they encode an ID and its check bits.
func compactDecode(d []int, v, t int) (uint64, bool) {
	return fromMixed(d, compactBases(v, t), compactCheck(v, t))
}
