package textwm

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// contextRunes is how many context characters before a mark select its
// code symbol. Eight characters (about two English words, or a CJK phrase)
// are nearly unique within a text yet short enough that a light edit
// disturbs only the marks right after it.
const contextRunes = 8

// The context of a gap is the last contextRunes letters and digits before it
// in the NFKC normalization of the text, lower-cased, leaving out markup:
// tags (from '<' followed by a letter, '/', '!' or '?' to the next '>', when
// that comes within maxTag characters) and character references ('&', up to
// maxEntity letters, digits or '#', ';'). Every step the mark must survive
// leaves it unchanged: NFC and NFKC normalization (the context is already
// NFKC, which is idempotent and, at a gap between a space or punctuation and
// a letter, local), white space collapsing, trimming and line-ending changes
// (no white space in it), punctuation changes such as straight to curly
// quotes and changes of case (only lower-cased letters and digits), rendering
// an HTML document and copying its text (no tags or references), and copying
// an excerpt (only marks within eight letters of the cut lose their context,
// and they are skipped because the context is incomplete).
const (
	maxTag    = 256
	maxEntity = 10
)

// ignorable reports characters that never enter a context, nor the markup
// state: default-ignorable characters (format characters, variation
// selectors and so the marks themselves, Hangul fillers, CGJ).
func ignorable(r rune) bool {
	switch {
	case unicode.Is(unicode.Cf, r):
		return true
	case r >= 0xFE00 && r <= 0xFE0F, r >= 0xE0100 && r <= 0xE01EF, r >= 0x180B && r <= 0x180F:
		return true
	case r == 0x034F, r == 0x115F, r == 0x1160, r == 0x3164, r == 0xFFA0:
		return true
	}
	return false
}

// walker visits the boundaries of a text's normalization segments with the
// context before each.
type walker struct {
	ring  [contextRunes]rune
	n     int // context characters seen (saturates)
	runes int // original characters before the boundary
	// Markup state: after '<'; inside a tag (its characters kept in case it
	// never closes); inside a character reference.
	lt, inTag, inEnt bool
	tag, ent         []rune
}

// feed passes one character of the normalized text through the markup
// filter to the context. White space ends a character reference and a '<'
// that is not followed by a tag name, but is not counted in a tag's length,
// so collapsing white space changes nothing.
func (w *walker) feed(r rune) {
	if ignorable(r) {
		return
	}
	space := unicode.IsSpace(r) || unicode.Is(unicode.Zs, r)
	if w.inTag {
		switch {
		case r == '>':
			w.inTag, w.tag = false, w.tag[:0]
		case space:
		default:
			w.tag = append(w.tag, r)
			if len(w.tag) > maxTag { // not a tag after all
				t := append([]rune(nil), w.tag...)
				w.inTag, w.tag = false, w.tag[:0]
				for _, c := range t {
					w.feed(c)
				}
			}
		}
		return
	}
	if w.lt {
		w.lt = false
		if unicode.IsLetter(r) || r == '/' || r == '!' || r == '?' {
			w.inTag, w.tag = true, append(w.tag[:0], r)
			return
		}
	}
	if w.inEnt {
		if r == ';' {
			w.inEnt, w.ent = false, w.ent[:0]
			return
		}
		if (r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r)) || r == '#') && len(w.ent) < maxEntity {
			w.ent = append(w.ent, r)
			return
		}
		w.inEnt = false
		for _, c := range w.ent {
			w.push(c)
		}
		w.ent = w.ent[:0]
	}
	switch {
	case r == '<':
		w.lt = true
	case r == '&':
		w.inEnt, w.ent = true, w.ent[:0]
	case !space:
		w.push(r)
	}
}

// context returns the context in order, or false when fewer than
// contextRunes characters precede the boundary.
func (w *walker) context(buf []byte) ([]byte, bool) {
	if w.n < contextRunes {
		return nil, false
	}
	buf = buf[:0]
	for i := 0; i < contextRunes; i++ {
		buf = utf8.AppendRune(buf, w.ring[(w.n+i)%contextRunes])
	}
	return buf, true
}

// indexAt returns the code symbol index and the compact layout's
// priorities of the context before the boundary (see keyed.index), building
// it in *buf, or false when the context is not full.
func (w *walker) indexAt(k *keyed, buf *[]byte) (idx int, prio, tagPrio uint64, ok bool) {
	ctx, ok := w.context(*buf)
	if !ok {
		return 0, 0, 0, false
	}
	*buf = ctx
	idx, prio, tagPrio = k.index(ctx)
	return idx, prio, tagPrio, true
}

// push adds r to the context when it is a letter or digit, lower-cased.
func (w *walker) push(r rune) {
	if !unicode.IsLetter(r) && !unicode.IsNumber(r) || r == 0x115F || r == 0x1160 || r == 0x3164 || r == 0xFFA0 {
		return
	}
	r = unicode.ToLower(r)
	w.ring[w.n%contextRunes] = r
	w.n++
	if w.n >= 2*contextRunes {
		w.n -= contextRunes // keep n small, same ring position modulo contextRunes
	}
}

// walk calls visit at every boundary between normalization segments of s
// (and at its end): at is the byte offset, prev2 and prev the two original
// characters before it, next the one after it (-1 for none).
func walk(s string, visit func(at int, prev2, prev, next rune, w *walker)) {
	var w walker
	var it norm.Iter
	it.InitString(norm.NFKC, s)
	prev2, prev := rune(-1), rune(-1)
	start := 0
	for !it.Done() {
		next, _ := utf8.DecodeRuneInString(s[start:])
		visit(start, prev2, prev, next, &w)
		seg := it.Next()
		end := it.Pos()
		for _, r := range s[start:end] {
			prev2, prev = prev, r
			w.runes++
		}
		for len(seg) > 0 {
			r, size := utf8.DecodeRune(seg)
			seg = seg[size:]
			w.feed(r)
		}
		start = end
	}
	visit(len(s), prev2, prev, -1, &w)
}

// keyed holds what the key determines: the index hash and the whitening.
type keyed struct {
	mac       hash.Hash
	whiten    [codeN]int
	whitenTag [compactMax]int // the compact layout's tags, mod 95
	sum       []byte
}

const domain = "aigclabel/textwm/v1"

func newKeyed(key []byte) *keyed {
	k := &keyed{mac: hmac.New(sha256.New, key)}
	// Whitening: HMAC(key, domain " whiten" || i) per index, reduced mod 239
	// (bias below 2^-56); for tags " whiten tag", mod 95.
	for i := range k.whiten {
		k.whiten[i] = int(k.counter(" whiten\x00", i) % fieldP)
	}
	for i := range k.whitenTag {
		k.whitenTag[i] = int(k.counter(" whiten tag\x00", i) % tagVals)
	}
	return k
}

// counter returns the first 8 bytes of HMAC(key, domain label || i).
func (k *keyed) counter(label string, i int) uint64 {
	k.mac.Reset()
	k.mac.Write([]byte(domain + label))
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], uint32(i))
	k.mac.Write(b[:])
	k.sum = k.mac.Sum(k.sum[:0])
	return binary.BigEndian.Uint64(k.sum)
}

// index returns the code symbol index a context selects (the HMAC's first 8
// bytes, reduced mod 238), and its priorities in the compact layout as a
// selector gap and as a tag gap (the next 8 and 8 bytes: independent of the
// index and of each other).
func (k *keyed) index(ctx []byte) (int, uint64, uint64) {
	k.mac.Reset()
	k.mac.Write([]byte(domain + " index\x00"))
	k.mac.Write(ctx)
	k.sum = k.mac.Sum(k.sum[:0])
	return int(binary.BigEndian.Uint64(k.sum) % codeN), binary.BigEndian.Uint64(k.sum[8:]), binary.BigEndian.Uint64(k.sum[16:])
}
