// Package textwm is aigclabel's invisible text watermark and text
// fingerprint.
//
// # Mark
//
// The mark is made of variation selectors VS17-VS255 (U+E0100-U+E01EE), one
// per mark, each carrying one of 239 values. They are default-ignorable
// characters: they render as nothing, have no decomposition and canonical
// combining class 0, so NFC, NFD, NFKC and NFKD keep them where they are, and
// a browser keeps them in the DOM, in innerText and in what a user copies
// (measured in Chromium: text selected, Ctrl+C, read back from the
// clipboard, with white space collapsed; the page renders pixel-identically
// with and without them; see browser_test.go and bench/robustness). They
// are placed only after white space or CJK
// punctuation and before a letter or number (see positions.go):
// VS17-VS256 have a meaning only after an ideograph (Ideographic Variation
// Sequences, UTS #37), and no standardized variation sequence uses them, so
// there they change nothing. Between two Han or kana characters, where a
// CJK text without punctuation offers its only gaps, the mark is preceded by
// U+200C ZERO WIDTH NON-JOINER, so that the selector follows the ZWNJ and not
// the ideograph: measured in Chromium with Noto CJK, 葛 + U+E0100 renders
// another glyph, 葛 + ZWNJ + U+E0100 the same one; ZWNJ only affects cursive
// joining, which Han and kana do not have, and, like the selectors, it is
// line-break class CM, so line breaking is unchanged. Such marks cost two
// code points and are used only where no cheaper gap follows within 40
// characters. The compact layout of short texts (compact.go) marks those
// gaps with one code point instead: a tag character U+E0020-U+E007E (95
// values; default-ignorable format characters, no decomposition, grapheme
// class Extend and line-break class CM like the selectors, no meaning after
// an ideograph; kept by normalization and by Chromium's copy, and rendered
// as nothing with Noto CJK, measured in browser_test.go).
//
// Characters measured and not used: U+200B ZERO WIDTH SPACE (Chromium drops
// the collapsible space before it when copying, and it adds a line-break
// opportunity), ZWJ (joins emoji and Indic conjuncts), U+2060 WORD JOINER and
// U+FEFF (they survive, but only a handful of such zero-width characters do,
// so each would carry one or two bits where a selector carries 7.9; WORD
// JOINER also forbids a line break, and U+FEFF is stripped as a byte-order
// mark), VS1-VS16 (standardized variation
// sequences exist for CJK punctuation and ideographs, and VS15/VS16 switch
// emoji presentation). Tag characters are used only between ideographs in
// the compact layout: they carry 6.6 bits where a selector carries 7.9, and
// after U+1F3F4 they form emoji flag sequences.
//
// # Payload
//
// The payload is the 64-bit watermark ID with its CRC-24 (package payload's
// 88-bit message), coded by a Reed-Solomon code over GF(239) with 12 message
// symbols and 238 code symbols (see code.go). Each mark carries one code
// symbol; which one is decided by the key and the eight characters before
// the mark (a keyed hash of the context, see context.go), and its value is
// whitened by a keyed offset. So marks need no sync and no order: any 12
// distinct symbols give the payload, more correct errors, and an excerpt, a
// reflowed or normalized copy keeps the symbols of every mark whose eight
// preceding characters it keeps.
//
// Embed adds at most one code point per 20 characters of text (an overhead
// of at most 5%, for every text), spread evenly over the text outside code
// and markup, with a reserve for sparse stretches (verse, prose between code
// blocks), and no two marks within 400 characters carry the same symbol. Of
// all 400-character windows of the corpus texts (stride 5), all but 9 of
// 31,770 in en_alice29, in one stretch of indented verse, and all of
// en_asyoulik hold the 12 or more distinct symbols a payload needs, usually 16
// to 18. A text too short for that carries the 12 symbols once, whole, when
// they fit in its 5% (240 characters and more).
//
// Texts under 240 characters, where 12 marks would exceed 5%, and CJK texts
// whose only gaps need ZWNJ marks, use the compact layout (compact.go): as
// many one-code-point marks as 5% allows, 10 to 16 (selectors, and tags
// between ideographs), carry the ID in mixed radix with 15 to 24 check bits
// instead of the code's redundancy, and the rest of the check comes from
// where they are: the gaps with the lowest keyed priorities of the text's
// contexts, which Detect verifies. English texts of 200 characters and more
// take it, and Chinese ones of 220 and more (every window of the Chinese test
// text). Embed returns ErrTooShort, naming the fingerprint, for texts under
// 200 characters (fewer than 10 marks cannot hold a 64-bit ID and 15 check
// bits) and for those whose gaps are too few for the compact layout's bound
// (such as the corpus's 199-character English and Chinese example). Those
// are recognized by their fingerprint only. A Markdown excerpt that is mostly
// code may hold too few marks: code is never marked.
//
// # False positives
//
// Detect reads every mark character not following an ideograph, votes per
// symbol index, and runs the Berlekamp-Welch decoder with radius (r-12)/2 on
// the r symbols read. It reports a payload only when the decoded message is
// below 2^88 and its CRC-24 matches. For a text that carries no mark of this
// key (none at all, or marks of another key, or stray variation selectors),
// the symbols are uniform and independent given the keyed index and
// whitening, so the probability of a report is at most
// 2^64 · Σ_{j≤e} C(r,j)·238^j / 239^r, largest at r = 12 where it is
// 2^64/239^12 ≈ 5.4e-10 per text. When that finds nothing and 10 to 16 marks
// (selectors, and tags after ideographs) were read, Detect tries the compact
// layout, which reports only when its
// own bound (see compact.go) is at most MaxCompactFalsePositive (1e-9): a
// text's total is at most 1.5e-9. A text without any of these characters
// gives no report at all. Result.Confidence is the bound for the symbols and
// errors actually seen.
//
// # Fingerprint
//
// Fingerprint recognizes a text whose marks were stripped: a SimHash and a
// sample of shingle hashes of its normalized letters and digits (see
// fingerprint.go). The registry stores it; Similarity matches an excerpt or
// a lightly edited copy against it.
//
// This package has no function that removes marks: GB 45438 and the
// Measures (Art. 10) forbid tools that strip labels.
package textwm

import (
	"errors"
	"fmt"
	"math/bits"
	"slices"
	"unicode/utf8"
)

// Options tunes Embed. The zero value is for plain text.
type Options struct {
	// Markdown keeps marks out of front matter, fenced and indented code
	// blocks, code spans, raw HTML, autolinks, link destinations and
	// reference definitions.
	Markdown bool
	// HTML marks only text content: never inside tags or comments, nor in
	// head, script, style, pre, code, textarea and similar elements.
	HTML bool
}

// Result is what Detect reports.
type Result struct {
	// Found reports a valid payload.
	Found bool `json:"found"`
	// Payload is the watermark ID when Found.
	Payload uint64 `json:"payload"`
	// Confidence is the probability that a text carrying no mark of this
	// key gives a payload this good (a false-positive probability; lower is
	// surer). It is 1 when nothing was found.
	Confidence float64 `json:"confidence"`
	// Marks is the number of mark characters read (with a full context),
	// Symbols the number of distinct code symbols they gave, and
	// SymbolErrors how many of those disagree with the payload found.
	Marks        int `json:"marks"`
	Symbols      int `json:"symbols"`
	SymbolErrors int `json:"symbolErrors"`
	// BitErrors counts the bits, 8 per symbol read, that differ from the
	// payload's code symbols (comparable to the image watermark's count).
	BitErrors int `json:"bitErrors"`
	// Copies is Marks / 12: how many times over the marks read could carry
	// the payload (1 for the compact layout).
	Copies int `json:"copies"`
	// Compact reports a payload read from the compact layout of a short
	// text (fewer check bits, see compact.go); Confidence is its bound.
	Compact bool `json:"compact,omitempty"`
}

// Errors Embed returns.
var (
	// ErrNoKey: the key is empty.
	ErrNoKey = errors.New("textwm: empty watermark key")
	// ErrTooShort: the text cannot carry the payload within 5% of its
	// code points (under 200 characters, or too few usable gaps); the error
	// says why. Such a text is recognized by its fingerprint only.
	ErrTooShort = errors.New("textwm: text too short to carry a watermark")
	// ErrMarked: the text already holds mark characters (VS17-VS255 after a
	// character that is not an ideograph, or a tag character after one). Embedding again would mix two
	// payloads; aigclabel never removes a mark.
	ErrMarked = errors.New("textwm: text already carries watermark characters")
	// ErrInvalidUTF8: the text is not valid UTF-8.
	ErrInvalidUTF8 = errors.New("textwm: text is not valid UTF-8")
)

const (
	// rateDen: one mark per rateDen original characters (5%).
	rateDen = 20
)

// Embed returns text with the invisible mark of id under key.
func Embed(text string, id uint64, key []byte, opts Options) (string, error) {
	if len(key) == 0 {
		return "", ErrNoKey
	}
	if !utf8.ValidString(text) {
		return "", ErrInvalidUTF8
	}
	if hasMarks(text) {
		return "", ErrMarked
	}
	k := newKeyed(key)
	cands, markable := candidates(text, k, opts)
	chars := utf8.RuneCountInString(text)
	budget := chars / rateDen
	sel := spread(cands, chars, markable)
	if distinct(sel) < codeK {
		sel = once(cands, budget)
	}
	if sel != nil {
		code := codeword(id)
		for i, c := range sel {
			sel[i].mark = rune(markBase + (code[c.idx]+k.whiten[c.idx])%fieldP)
		}
	} else {
		if budget < compactMin {
			return "", fmt.Errorf("%w: %d characters take at most %d marks within %d%% (one per %d characters), %d needed; it is recognized by its fingerprint only",
				ErrTooShort, chars, budget, 100/rateDen, rateDen, compactMin)
		}
		var bound float64
		var gaps [2]int
		if sel, bound, gaps = compactLayout(text, k, cands, id, budget); sel == nil {
			return "", fmt.Errorf("%w: %d characters take at most %d marks within %d%%, too few for the regular code (%d) or without enough gaps for it, and the compact layout over %d gaps for selectors and %d between ideographs would have a false-positive bound of %.1e, above %.0e; it is recognized by its fingerprint only",
				ErrTooShort, chars, budget, 100/rateDen, codeK, gaps[0], gaps[1], bound, MaxCompactFalsePositive)
		}
	}
	out := make([]byte, 0, len(text)+8*len(sel))
	prev := 0
	for _, c := range sel {
		out = append(out, text[prev:c.at]...)
		if c.cost == 2 {
			out = utf8.AppendRune(out, zwnj)
		}
		out = utf8.AppendRune(out, c.mark)
		prev = c.at
	}
	return string(append(out, text[prev:]...)), nil
}

// zwnj is ZERO WIDTH NON-JOINER, put before a mark between two CJK
// characters so that the variation selector follows it instead of an
// ideograph and forms no Ideographic Variation Sequence.
const zwnj = 0x200C

// candidate is a gap that may hold a mark.
type candidate struct {
	at       int    // byte offset
	runes    int    // characters before it
	markable int    // characters before it outside excluded regions
	idx      int    // the code symbol its context selects
	cost     int    // code points the mark adds: 1, or 2 with a ZWNJ
	prio     uint64 // its context's priority in the compact layout (selector gaps)
	tagPrio  uint64 // the same for gaps between ideographs (tags)
	mark     rune   // the compact layout's mark for it
}

// candidates lists every usable gap of text (allowed by the character rules
// and opts, with a full context), and the number of characters outside
// excluded regions.
func candidates(text string, k *keyed, opts Options) ([]candidate, int) {
	ex := excluded(text, opts)
	exi := 0
	exRunes := 0 // characters in the excluded regions passed
	var out []candidate
	var buf []byte
	var total int
	walk(text, func(at int, prev2, prev, next rune, w *walker) {
		for exi < len(ex) && ex[exi].end <= at {
			exRunes += utf8.RuneCountInString(text[ex[exi].start:ex[exi].end])
			exi++
		}
		total = w.runes - exRunes
		cost := 0
		switch {
		case gapAllowed(prev2, prev, next, opts.Markdown):
			cost = 1
		case next >= 0 && ideoBefore(prev2, prev) && isCJKIdeo(next):
			cost = 2
		default:
			return
		}
		if exi < len(ex) && ex[exi].start < at {
			return
		}
		idx, prio, tagPrio, ok := w.indexAt(k, &buf)
		if !ok {
			return
		}
		out = append(out, candidate{at, w.runes, w.runes - exRunes, idx, cost, prio, tagPrio, 0})
	})
	return out, total
}

// spread picks marks for a long text. The budget is one code point per
// rateDen characters of the whole text (5%); nine tenths of it are spread
// evenly over the characters outside excluded regions (code, markup): in text
// order, a gap is on schedule when the code points added so far, with its
// own, stay within that share of the markable text before it. The last tenth
// is kept for sparse stretches (verse, text between code blocks). A gap off schedule is
// still taken when the 400 characters before it hold fewer than minWindow
// marks, so that prose next to a long code block is not starved; a gap is
// never taken when those 400 characters already hold maxWindow code points
// of marks or a mark with the same symbol (so an excerpt reads distinct
// symbols), nor beyond the budget.
func spread(cands []candidate, total, markable int) []candidate {
	const (
		window    = 400
		minWindow = 18
		maxWindow = 20
	)
	budget := total / rateDen
	if markable == 0 {
		return nil
	}
	var sel, win []candidate
	used, winCost := 0, 0
	nextCheap := make([]int, len(cands)) // characters to the next one-character gap
	next := -1
	for i := len(cands) - 1; i >= 0; i-- {
		nextCheap[i] = 1 << 30
		if next >= 0 {
			nextCheap[i] = cands[next].runes - cands[i].runes
		}
		if cands[i].cost == 1 {
			next = i
		}
	}
	for i, c := range cands {
		if c.cost > 1 && nextCheap[i] <= 2*rateDen {
			continue // a cheaper gap follows soon
		}
		for len(win) > 0 && win[0].runes <= c.runes-window {
			winCost -= win[0].cost
			win = win[1:]
		}
		onSchedule := (used+c.cost)*markable*10 <= c.markable*budget*9
		switch {
		case used+c.cost > budget, winCost+c.cost > maxWindow:
			continue
		case !onSchedule && len(win)*window >= minWindow*min(window, c.runes):
			continue // (near the start the window is shorter: pro rata)
		case slices.ContainsFunc(win, func(w candidate) bool { return w.idx == c.idx }):
			continue
		}
		sel = append(sel, c)
		win = append(win, c)
		winCost += c.cost
		used += c.cost
	}
	return fill(cands, sel, total, budget-used)
}

// fill is spread's second pass, backwards: a gap is added when the 400
// characters from it hold fewer than minWindow marks (pro rata near the
// end), which the forward pass cannot see coming before a long code block,
// as long as the budget lasts, that window stays under maxWindow code points,
// and its symbol differs from every mark's within 400 characters.
func fill(cands, sel []candidate, total, budget int) []candidate {
	const (
		window    = 400
		minWindow = 18
		maxWindow = 20
		near      = window
	)
	taken := map[int]bool{}
	for _, c := range sel {
		taken[c.at] = true
	}
	at := func(runes int) int { // index of the first selected mark at or after runes
		i, _ := slices.BinarySearchFunc(sel, runes, func(c candidate, r int) int { return c.runes - r })
		return i
	}
	for i := len(cands) - 1; i >= 0 && budget > 0; i-- {
		c := cands[i]
		if taken[c.at] || c.cost > budget {
			continue
		}
		lo, hi := at(c.runes), at(c.runes+window)
		cost := 0
		for _, s := range sel[lo:hi] {
			cost += s.cost
		}
		if (hi-lo)*window >= minWindow*min(window, total-c.runes) || cost+c.cost > maxWindow {
			continue
		}
		clash := false
		for _, s := range sel[at(c.runes-near):at(c.runes+near)] {
			clash = clash || s.idx == c.idx
		}
		if clash {
			continue
		}
		sel = slices.Insert(sel, lo, c)
		taken[c.at] = true
		budget -= c.cost
	}
	return sel
}

// once picks exactly codeK marks with distinct symbols, spread evenly over
// the text, for texts too short for spread: the payload is carried once,
// whole. It prefers one-character marks and returns nil when there are not
// enough distinct symbols or the marks would cost more than budget code
// points.
func once(cands []candidate, budget int) []candidate {
	var uniq []candidate
	seen := map[int]bool{}
	for cost := 1; cost <= 2; cost++ {
		for _, c := range cands {
			if c.cost == cost && !seen[c.idx] {
				seen[c.idx] = true
				uniq = append(uniq, c)
			}
		}
		if len(uniq) >= codeK {
			break
		}
	}
	if len(uniq) < codeK {
		return nil
	}
	slices.SortFunc(uniq, func(a, b candidate) int { return a.at - b.at })
	sel := make([]candidate, codeK)
	cost := 0
	for i := range sel {
		sel[i] = uniq[i*len(uniq)/codeK]
		cost += sel[i].cost
	}
	if cost > budget {
		return nil
	}
	return sel
}

// distinct counts the distinct symbols of cs.
func distinct(cs []candidate) int {
	seen := map[int]bool{}
	for _, c := range cs {
		seen[c.idx] = true
	}
	return len(seen)
}

// hasMarks reports whether text holds a mark character outside an
// ideographic variation sequence, or a tag character after an ideograph.
func hasMarks(text string) bool {
	prev2, prev := rune(-1), rune(-1)
	for _, r := range text {
		if isMark(r) && !isIVSBase(prev) || isTag(r) && ideoBefore(prev2, prev) {
			return true
		}
		prev2, prev = prev, r
	}
	return false
}

// isIVSBase reports whether a variation selector after r may be an
// Ideographic Variation Sequence (r a Han ideograph), which Detect ignores.
func isIVSBase(r rune) bool { return r >= 0 && isHan(r) }

// read collects the symbols of every mark with a full context: for each
// index, the value most marks agree on (ties are dropped as erasures). It
// also returns the marks themselves for the compact layout, unless there are
// more than maxCompactMarks (then nil).
func read(text string, k *keyed) (pts []point, marks int, ms []mark) {
	var votes map[int]map[int]int
	var buf []byte
	walk(text, func(at int, prev2, prev, next rune, w *walker) {
		tag := isTag(next) && ideoBefore(prev2, prev)
		if !tag && (!isMark(next) || isIVSBase(prev)) {
			return
		}
		idx, prio, tagPrio, ok := w.indexAt(k, &buf)
		if !ok {
			return
		}
		if tag { // a compact layout's tag
			marks++
			if marks <= maxCompactMarks {
				ms = append(ms, mark{tagPrio, int(next - tagBase), true})
			}
			return
		}
		val := (int(next-markBase) - k.whiten[idx] + fieldP) % fieldP
		if votes == nil {
			votes = map[int]map[int]int{}
		}
		if votes[idx] == nil {
			votes[idx] = map[int]int{}
		}
		votes[idx][val]++
		marks++
		if marks <= maxCompactMarks {
			ms = append(ms, mark{prio, int(next - markBase), false})
		}
	})
	if marks > maxCompactMarks {
		ms = nil
	}
	for idx, vs := range votes {
		best, n, tie := 0, 0, false
		for val, c := range vs {
			switch {
			case c > n:
				best, n, tie = val, c, false
			case c == n:
				tie = true
			}
		}
		if !tie {
			pts = append(pts, point{idx, best})
		}
	}
	// Map order is random; the decoder gets the points in index order.
	slices.SortFunc(pts, func(a, b point) int { return a.idx - b.idx })
	return pts, marks, ms
}

// maxCompactMarks is the most marks read for the compact layout: its 10 to 16
// contexts, each perhaps repeated (a text pasted twice).
const maxCompactMarks = 4 * compactMax

// Detect reads the mark of key in text: the regular code first, then the
// compact layout of short texts.
func Detect(text string, key []byte) Result {
	res := Result{Confidence: 1}
	if len(key) == 0 || !utf8.ValidString(text) {
		return res
	}
	k := newKeyed(key)
	pts, marks, ms := read(text, k)
	res.Marks, res.Symbols, res.Copies = marks, len(pts), marks/codeK
	msg, errs, ok := decode(pts)
	if ok {
		var id uint64
		if id, ok = fromDigits(msg); ok {
			res.Found, res.Payload, res.SymbolErrors = true, id, errs
			for _, p := range pts {
				res.BitErrors += bits.OnesCount8(uint8(p.val ^ eval(msg, p.idx+1)))
			}
			res.Confidence = falsePositive(len(pts), errs)
			return res
		}
	}
	if len(ms) < compactMin {
		return res
	}
	d, v, t, bound, ok := compactRead(text, k, ms)
	if !ok || bound > MaxCompactFalsePositive {
		return res
	}
	if id, ok := compactDecode(d, v, t); ok {
		res.Found, res.Payload, res.Confidence = true, id, bound
		res.Compact, res.Symbols, res.Copies = true, len(d), 1
	}
	return res
}

// Comparison is what Compare reports: how well a text's marks agree with a
// known ID.
type Comparison struct {
	// Symbols is the number of distinct code symbols read, Agree how many
	// equal id's.
	Symbols, Agree int
	// Bits and BitAgree compare the symbols' 8-bit values bit by bit.
	Bits, BitAgree int
}

// Compare checks the marks of text against a known id, for diagnostics and
// benchmarks (symbol and bit accuracy after an attack). Marks with 10 to 16
// distinct contexts are compared as the compact layout.
func Compare(text string, key []byte, id uint64) Comparison {
	var c Comparison
	if len(key) == 0 || !utf8.ValidString(text) {
		return c
	}
	k := newKeyed(key)
	pts, _, ms := read(text, k)
	if d, v, t, _, ok := compactRead(text, k, ms); ok {
		want := toDigits(id, compactCheck(v, t), compactBases(v, t))
		for i := range d {
			c.Symbols++
			c.Bits += 8
			if d[i] == want[i] {
				c.Agree++
			}
			c.BitAgree += 8 - bits.OnesCount8(uint8(d[i]^want[i]))
		}
		return c
	}
	code := codeword(id)
	for _, p := range pts {
		c.Symbols++
		c.Bits += 8
		if p.val == code[p.idx] {
			c.Agree++
		}
		c.BitAgree += 8 - bits.OnesCount8(uint8(p.val^code[p.idx]))
	}
	return c
}
